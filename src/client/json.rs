//! Calls by endpoint id, with JSON: [`Client::send_json`] and
//! [`Client::send_json_all_pages`], the registry's way into the one send path.

use serde_json::Value;

use feishu_perf_core::registry::{CallError, CallInput, InputError};

use crate::error::Error;

use super::Client;

/// Calls by endpoint id, with JSON: the registry's way into the one send path.
impl Client {
    /// Calls the endpoint `id` (`performance.v1.semester.list`, see
    /// [`registry::REGISTRY`](crate::registry::REGISTRY)) with `input`: path and
    /// query parameters as text, the body as JSON. The endpoint's typed request
    /// is built from it and sent like any typed call (validated, paced,
    /// retried, a `client_token` filled in); the answer is the response's
    /// `data` as JSON.
    ///
    /// ```no_run
    /// # async fn demo(client: feishu_perf::Client) -> Result<(), feishu_perf::Error> {
    /// use feishu_perf::registry::CallInput;
    /// let data = client
    ///     .send_json("performance.v1.semester.list", &CallInput::new().query("year", "2024"))
    ///     .await?;
    /// println!("{data}");
    /// # Ok(()) }
    /// ```
    pub async fn send_json(&self, id: &str, input: &CallInput) -> Result<Value, Error> {
        feishu_perf_generated::registry::call(self, id, input)
            .await
            .map_err(|e| call_error(id, e))
    }

    /// Calls the list endpoint `id` with `input` and walks every page
    /// ([`Client::paginate`]); the answer is every item of every page.
    pub async fn send_json_all_pages(
        &self,
        id: &str,
        input: &CallInput,
    ) -> Result<Vec<Value>, Error> {
        feishu_perf_generated::registry::call_all_pages(self, id, input)
            .await
            .map_err(|e| call_error(id, e))
    }
}

fn call_error(id: &str, error: CallError<Error>) -> Error {
    match error {
        CallError::Send(e) => e,
        // Validation is reported as by a typed call.
        CallError::Input(InputError::Invalid(errors)) => Error::Validation {
            endpoint: feishu_perf_generated::registry::find(id).map_or("", |e| e.descriptor.id),
            errors,
        },
        CallError::Input(error) => Error::Input {
            endpoint: id.to_owned(),
            error,
        },
    }
}
