//! OKR v1 progress records (`创建 OKR 进展记录`), posted exactly once.
//!
//! A row is one progress record: `okr_id` (the OKR that holds the target, as
//! `okr user-okrs list` shows it), `target_id` and `target_type` (`objective`
//! or `key_result`, or the page's numbers 2 and 3), `text` (one paragraph a
//! line), and optionally `percent` and `status` (-1 暂无, 0 正常, 1 风险,
//! 2 延期). One request a row.
//!
//! **The mark.** The create takes no `client_token`: sent twice, it makes two
//! records. So every record this import writes ends with a paragraph of its
//! own, the mark `[feishu-perf:<token>]`, where `<token>` is the request's
//! journaled token (the input's fingerprint and a per-request suffix, the
//! same on every attempt and every resume). When an answer is lost (and
//! before a resumed run sends a request an earlier run left in flight), the
//! import reads the target's records back: `okrs/batch_get` of the row's OKR
//! lists the target's `progress_record_list`, and each record is read
//! (`progress_records/{id}`, newest first) until one carries the mark. Found:
//! the row counts as applied, once. Not found: the request is sent again.
//! The mark stays visible in Feishu as the record's last line.

use feishu_perf::okr::v1::{
    BatchGetOkrRequest, ContentBlock, ContentBlockElement, ContentBlockElementType,
    ContentParagraph, ContentParagraphElement, ContentParagraphElementType, ContentTextRun,
    CreateProgressRecordRequest, CreateProgressRecordRequestBody, CreateProgressRecordResponseBody,
    GetProgressRecordRequest, ProgressRateNew,
};
use feishu_perf::{ApiRequest, Client, EndpointDescriptor, Error, JsonPath, Validate, Violation};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::batch::{Job, ReadBack};
use crate::input::{Column, Row};
use crate::jobs::{optional, required};

/// The code of `okr data not found` (a record deleted since it was listed).
const NOT_FOUND: i64 = 1001004;

/// The mark of the request sent with `token`.
pub fn mark(token: &str) -> String {
    format!("[feishu-perf:{token}]")
}

/// A target type in the file's words: `objective`/`2` or `key_result`/`3`.
pub fn target_type(cell: &str) -> Option<i64> {
    match cell.trim() {
        "objective" | "2" => Some(2),
        "key_result" | "3" => Some(3),
        _ => None,
    }
}

/// Rich text of `text`, one paragraph a line.
pub fn content(text: &str) -> ContentBlock {
    ContentBlock::new().blocks(text.lines().map(paragraph).collect())
}

fn paragraph(text: &str) -> ContentBlockElement {
    let run = ContentParagraphElement::new()
        .type_(ContentParagraphElementType::TextRun)
        .text_run(ContentTextRun::new().text(text));
    ContentBlockElement::new()
        .type_(ContentBlockElementType::Paragraph)
        .paragraph(ContentParagraph::new().elements(vec![run]))
}

/// `progress_rate` of a percent and a status, when either is given.
pub fn rate(percent: Option<f64>, status: Option<i64>) -> Option<ProgressRateNew> {
    if percent.is_none() && status.is_none() {
        return None;
    }
    let mut rate = ProgressRateNew::new();
    if let Some(p) = percent {
        rate = rate.percent(p);
    }
    if let Some(s) = status {
        rate = rate.status(s);
    }
    Some(rate)
}

/// A finite percent, or why not.
pub fn percent(cell: Option<&str>) -> Result<Option<f64>, String> {
    match cell.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.trim_end_matches('%').trim().parse::<f64>() {
            Ok(p) if p.is_finite() => Ok(Some(p)),
            _ => Err(format!("percent: {v:?} is not a finite number")),
        },
    }
}

/// A status (-1, 0, 1, 2), or why not.
pub fn status(cell: Option<&str>) -> Result<Option<i64>, String> {
    match cell.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.parse::<i64>() {
            Ok(s @ -1..=2) => Ok(Some(s)),
            _ => Err(format!(
                "status: {v:?} is not one of -1 (暂无), 0 (正常), 1 (风险), 2 (延期)"
            )),
        },
    }
}

/// The create of one row, and what its read-back needs: the OKR that holds
/// the target, and the mark its token writes.
#[derive(Debug, Clone)]
pub struct ProgressCreate {
    /// The request as the page defines it.
    pub request: CreateProgressRecordRequest,
    /// The OKR whose answer lists the target's records.
    pub okr_id: String,
    /// The mark written into the content, once a token is set.
    pub mark: Option<String>,
}

impl Validate for ProgressCreate {
    fn validate_at(&self, path: &JsonPath<'_>, out: &mut Vec<Violation>) {
        self.request.validate_at(path, out);
    }
}

impl ApiRequest for ProgressCreate {
    type Body = <CreateProgressRecordRequest as ApiRequest>::Body;
    type Response = CreateProgressRecordResponseBody;
    type ErrorCode = <CreateProgressRecordRequest as ApiRequest>::ErrorCode;
    const DESCRIPTOR: &'static EndpointDescriptor = CreateProgressRecordRequest::DESCRIPTOR;

    fn request_path(&self) -> String {
        self.request.request_path()
    }
    fn query_pairs(&self) -> Vec<(&'static str, String)> {
        self.request.query_pairs()
    }
    fn json_body(&self) -> Option<&Self::Body> {
        self.request.json_body()
    }
    /// No `client_token` on this endpoint: the token becomes the record's
    /// last paragraph, the mark the read-back looks for.
    fn set_idempotency_token(&mut self, token: String) {
        let mark = mark(&token);
        if self.mark.as_deref() == Some(mark.as_str()) {
            return;
        }
        let blocks = self
            .request
            .body
            .content
            .blocks
            .get_or_insert_with(Vec::new);
        if self.mark.is_some() {
            blocks.pop();
        }
        blocks.push(paragraph(&mark));
        self.mark = Some(mark);
    }
}

/// The ids of the records of target `target_id` (of `target_type`) in OKR
/// `okr_id`, oldest first as listed; an error when the OKR does not hold it.
async fn records_of(
    client: &Client,
    okr_id: &str,
    target_id: &str,
    target_type: i64,
) -> Result<Vec<String>, Error> {
    let answer = client
        .send(BatchGetOkrRequest::new(vec![okr_id.to_owned()]))
        .await?;
    let okrs = answer.okr_list.unwrap_or_default();
    let objectives = okrs
        .iter()
        .flat_map(|okr| okr.objective_list.as_deref().unwrap_or_default());
    let listed = |list: &Option<Vec<feishu_perf::okr::v1::ProgressRecordSimplify>>| {
        list.as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.id.clone())
            .collect::<Vec<String>>()
    };
    let mut found = None;
    for objective in objectives {
        if target_type == 2 && objective.id.as_deref() == Some(target_id) {
            found = Some(listed(&objective.progress_record_list));
        }
        for kr in objective.kr_list.as_deref().unwrap_or_default() {
            if target_type == 3 && kr.id.as_deref() == Some(target_id) {
                found = Some(listed(&kr.progress_record_list));
            }
        }
    }
    found.ok_or_else(|| {
        let kind = if target_type == 2 {
            "objective"
        } else {
            "key result"
        };
        Error::Config(format!(
            "OKR {okr_id} holds no {kind} {target_id}: its progress records cannot be read back; \
             give the OKR that holds the target in okr_id"
        ))
    })
}

/// The marks of the records read so far, by record id: a record's content
/// never gains a mark, so each record is read once in a run.
#[derive(Debug, Clone, Default)]
pub struct MarksRead(Arc<Mutex<HashMap<String, Vec<String>>>>);

impl MarksRead {
    fn get(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<String>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Every mark (`[feishu-perf:…]` text run) in `value`.
fn marks(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("text", Value::String(t)) if t.starts_with("[feishu-perf:") => {
                        out.push(t.clone());
                    }
                    _ => marks(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| marks(v, out)),
        _ => {}
    }
}

/// Whether a record of the request's target carries its mark: the target's
/// records not read before in this run are read, newest first, until one does.
pub async fn applied(
    client: &Client,
    request: &ProgressCreate,
    read: &MarksRead,
) -> Result<bool, Error> {
    let Some(mark) = request.mark.as_deref() else {
        return Ok(false);
    };
    let body = &request.request.body;
    let ids = records_of(client, &request.okr_id, &body.target_id, body.target_type).await?;
    if ids.iter().any(|id| {
        read.get()
            .get(id)
            .is_some_and(|m| m.iter().any(|m| m == mark))
    }) {
        return Ok(true);
    }
    for id in ids.iter().rev() {
        if read.get().contains_key(id) {
            continue;
        }
        match client
            .send(GetProgressRecordRequest::new(id.as_str()))
            .await
        {
            Ok(record) => {
                let content = serde_json::to_value(&record.content).unwrap_or(Value::Null);
                let mut found = Vec::new();
                marks(&content, &mut found);
                let ours = found.iter().any(|m| m == mark);
                read.get().insert(id.clone(), found);
                if ours {
                    return Ok(true);
                }
            }
            Err(Error::Api(api)) if api.code == NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// `okr progress import`: one progress record a row, posted exactly once.
#[derive(Debug, Clone)]
pub struct ProgressImport {
    /// `source_title` of every record (进展来源).
    pub source_title: String,
    /// `source_url` of every record (进展来源链接, `http(s)://`).
    pub source_url: String,
    /// The marks of the records this run has read back.
    pub read: MarksRead,
}

impl ProgressImport {
    const OKR: usize = 0;
    const TARGET: usize = 1;
    const TARGET_TYPE: usize = 2;
    const TEXT: usize = 3;
    const PERCENT: usize = 4;
    const STATUS: usize = 5;
}

impl Job for ProgressImport {
    type Request = ProgressCreate;
    /// A row applied is a record made: sent with a fresh journal it would be made again.
    fn duplicates_if_resent(&self, _row: Row<'_>) -> bool {
        true
    }
    fn duplicates_why(&self) -> &'static str {
        "each make a progress record, found again only by the mark of the journal that sent it"
    }
    const MAX_UNITS: usize = 1;
    const COLUMNS: &'static [Column] = &[
        required("okr_id"),
        required("target_id"),
        required("target_type"),
        required("text"),
        optional("percent"),
        optional("status"),
    ];
    const UNIT_PATH: &'static str = "body";

    fn request(&self, units: &[Vec<Row<'_>>]) -> ProgressCreate {
        let row = units.first().and_then(|u| u.first());
        let cell = |c| row.map_or("", |r| r.get(c));
        let mut body = CreateProgressRecordRequestBody::new(
            self.source_title.as_str(),
            self.source_url.as_str(),
            cell(Self::TARGET).trim(),
            target_type(cell(Self::TARGET_TYPE)).unwrap_or(0),
            content(cell(Self::TEXT)),
        );
        let percent = percent(row.and_then(|r| r.opt(Self::PERCENT)))
            .ok()
            .flatten();
        let status = status(row.and_then(|r| r.opt(Self::STATUS))).ok().flatten();
        if let Some(rate) = rate(percent, status) {
            body = body.progress_rate(rate);
        }
        ProgressCreate {
            request: CreateProgressRecordRequest::new(body),
            okr_id: cell(Self::OKR).trim().to_owned(),
            mark: None,
        }
    }

    /// An empty id or text, an unknown target type, a percent or status that does not parse.
    fn check_row(&self, row: Row<'_>) -> Result<(), String> {
        for column in [Self::OKR, Self::TARGET, Self::TEXT] {
            if row.get(column).trim().is_empty() {
                return Err(format!("{}: empty", Self::COLUMNS[column].name));
            }
        }
        let kind = row.get(Self::TARGET_TYPE);
        if target_type(kind).is_none() {
            return Err(format!(
                "target_type: {kind:?} is not objective (2) or key_result (3)"
            ));
        }
        percent(row.opt(Self::PERCENT))?;
        status(row.opt(Self::STATUS))?;
        Ok(())
    }

    fn check_options(&self) -> Result<(), String> {
        if self.source_title.trim().is_empty() {
            return Err("--source-title is empty: the page requires a source title".into());
        }
        if !(self.source_url.starts_with("https://") || self.source_url.starts_with("http://")) {
            return Err(format!(
                "--source-url {:?}: must start with http:// or https:// (the page's rule)",
                self.source_url
            ));
        }
        Ok(())
    }

    fn read_back<'a>(
        &'a self,
        client: &'a Client,
        request: &'a ProgressCreate,
    ) -> Option<ReadBack<'a>> {
        Some(Box::pin(applied(client, request, &self.read)))
    }

    fn record_id(response: &CreateProgressRecordResponseBody) -> Option<String> {
        response.progress_id.clone()
    }

    fn batch_size(&self) -> usize {
        1
    }

    fn options_key(&self) -> String {
        format!("{}|{}", self.source_title, self.source_url)
    }

    fn options_summary(&self) -> String {
        format!(
            "--source-title {:?}, --source-url {}",
            self.source_title, self.source_url
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_the_last_paragraph_once_whatever_the_token_set() {
        let body = CreateProgressRecordRequestBody::new("s", "https://x", "1", 2, content("a\nb"));
        let mut request = ProgressCreate {
            request: CreateProgressRecordRequest::new(body),
            okr_id: "9".into(),
            mark: None,
        };
        request.set_idempotency_token("t1".into());
        request.set_idempotency_token("t1".into());
        let found = |request: &ProgressCreate| {
            let value = serde_json::to_value(&request.request.body.content).unwrap();
            assert_eq!(value["blocks"].as_array().unwrap().len(), 3);
            let mut found = Vec::new();
            marks(&value, &mut found);
            found
        };
        assert_eq!(found(&request), ["[feishu-perf:t1]"]);
        request.set_idempotency_token("t2".into());
        assert_eq!(found(&request), ["[feishu-perf:t2]"]);
    }

    #[test]
    fn cells_that_cannot_be_sent_are_named() {
        assert_eq!(target_type("key_result"), Some(3));
        assert_eq!(target_type("kr"), None);
        assert_eq!(percent(Some("42.5%")), Ok(Some(42.5)));
        assert!(percent(Some("NaN")).is_err());
        assert_eq!(status(Some("-1")), Ok(Some(-1)));
        assert!(status(Some("3")).unwrap_err().contains("not one of"));
    }
}
