//! `templates`: the review templates with their stages, units and fields.

use feishu_perf::performance::v2::{
    I18n, QueryReviewTemplateRequest, QueryReviewTemplateRequestBody, ReviewTemplate,
};
use futures::StreamExt;

use super::Context;
use crate::exit::{Failure, Status};
use crate::note;
use crate::output::Table;

/// Lists every template, every page. JSON: the templates as Feishu returns them.
pub async fn run(ctx: &Context, page_size: i64, ids: Vec<String>) -> Result<Status, Failure> {
    let mut request = QueryReviewTemplateRequest::new().page_size(page_size);
    if !ids.is_empty() {
        request = request.body(QueryReviewTemplateRequestBody::new().review_template_ids(ids));
    }
    let mut stream = std::pin::pin!(ctx.client()?.paginate(request));
    let mut templates = Vec::new();
    while let Some(template) = stream.next().await {
        templates.push(template.map_err(|e| Failure::from_sdk(&e, &ctx.base_url))?);
    }
    ctx.output.list(&templates, &table(&templates))?;
    note!("{} templates", templates.len());
    Ok(Status::Success)
}

/// One row a template: id, status, name, its stages (stage types), units and fields.
pub fn table(templates: &[ReviewTemplate]) -> Table {
    let mut table = Table::new(&[
        "review_template_id",
        "status",
        "name",
        "stages",
        "units",
        "fields",
    ]);
    for t in templates {
        let stages: Vec<String> = t
            .templates
            .iter()
            .flatten()
            .map(|s| {
                s.stage_type
                    .as_ref()
                    .map(|k| k.as_str().to_owned())
                    .unwrap_or_else(|| "?".into())
            })
            .collect();
        let units = t.units.as_deref().unwrap_or_default();
        let fields: usize = units
            .iter()
            .map(|u| u.fields.as_ref().map_or(0, Vec::len))
            .sum();
        table.push(vec![
            t.review_template_id.clone().unwrap_or_default(),
            t.status
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            name(t.name.as_ref()),
            stages.join(","),
            units.len().to_string(),
            fields.to_string(),
        ]);
    }
    table
}

/// The Chinese name, else the English one.
pub fn name(name: Option<&I18n>) -> String {
    name.and_then(|n| n.zh_cn.clone().or_else(|| n.en_us.clone()))
        .unwrap_or_default()
}
