//! Documented error codes.

use std::fmt::Debug;

/// One row of a documented error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorInfo {
    /// The numeric `code` of the response envelope.
    pub code: i64,
    /// The HTTP status the page documents for it (a platform-wide code: when
    /// its source gives one).
    pub http_status: Option<u16>,
    /// The documented `msg` (typos included).
    pub message: &'static str,
    /// The page's advice (排查建议), when there is one.
    pub hint: Option<&'static str>,
    /// How the SDK treats the code: the maintainers' decision, from the schema.
    pub facts: ErrorFacts,
}

/// How the runtime and the batch engine treat an error code. None of this is on
/// the page in these terms: each is a decision recorded in the schema (the
/// error's `decision:`), with its [`source`](ErrorFacts::source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorFacts {
    /// What a refusal with the code blames, if decided.
    pub refuses: Option<Refuses>,
    /// Sending the same request again later may succeed.
    pub transient: bool,
    /// The request's `client_token` was applied before: after a lost response,
    /// the write went through once.
    pub already_applied: bool,
    /// The access token was refused: drop it, fetch a new one, retry once.
    pub renew_token: bool,
    /// Rate limiting: wait for `x-ogw-ratelimit-reset`, then retry.
    pub rate_limited: bool,
    /// What a refusal with the code asks to be fixed outside the request (the
    /// app's credentials, its scopes, the tenant's licence), if decided.
    pub blames: Option<Blames>,
    /// What to check, in words a user can act on, when the code [`blames`](ErrorFacts::blames) something.
    pub check: Option<&'static str>,
    /// Where the decision comes from (`page: ..`, `REFERENCE.md: ..`, `decision: ..`);
    /// `None` when nothing is decided about the code.
    pub source: Option<&'static str>,
}

impl ErrorFacts {
    /// Nothing decided: a refusal of unknown reach, not retried.
    pub const NONE: ErrorFacts = ErrorFacts {
        refuses: None,
        transient: false,
        already_applied: false,
        renew_token: false,
        rate_limited: false,
        blames: None,
        check: None,
        source: None,
    };
}

/// What a refusal blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refuses {
    /// One unit of the request (one reviewee's metric, one item): a request
    /// without it would be applied.
    Unit,
    /// The request as a whole, not one of its units.
    Request,
    /// The whole run: every request like it would be refused too (an unknown
    /// semester, a passed deadline, no licence, no permission).
    Run,
}

/// What a refusal asks to be fixed outside the request: no change to the
/// request itself helps until it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blames {
    /// The app's credentials or the access token made from them (app id and
    /// secret, app_ticket, tenant key, token).
    Credentials,
    /// The app's scopes: a permission the app was not granted.
    Scope,
    /// The tenant's licence (no seats for the product).
    Licence,
}

/// The documentation and facts of `code` in an error table, if it is there.
pub fn find_error(table: &'static [ErrorInfo], code: i64) -> Option<&'static ErrorInfo> {
    table.iter().find(|info| info.code == code)
}

/// An endpoint's error codes: the rows of its page's error table, the
/// platform-wide codes, and a fallback for any other number.
pub trait ErrorCode: Debug + Clone + Copy + PartialEq + Send + Sync + 'static {
    /// The variant for a numeric code; never fails (unknown codes are kept).
    fn from_code(code: i64) -> Self;
    /// The numeric code.
    fn code(&self) -> i64;
    /// The documentation of this code, unless it is undocumented.
    fn info(&self) -> Option<&'static ErrorInfo>;

    /// The documented message.
    fn message(&self) -> Option<&'static str> {
        self.info().map(|info| info.message)
    }
    /// The documented advice.
    fn hint(&self) -> Option<&'static str> {
        self.info().and_then(|info| info.hint)
    }
    /// The documented HTTP status.
    fn http_status(&self) -> Option<u16> {
        self.info().and_then(|info| info.http_status)
    }
}
