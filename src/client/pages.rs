//! Paged lists: [`Client::pages`] and [`Client::paginate`] walk every page,
//! ending with an error, never looping, on a repeated page token or past the
//! page budget.

use futures_core::Stream;

use feishu_perf_core::PaginatedRequest;
use feishu_perf_core::registry::PagingTransport;

use crate::error::Error;

use super::Client;

impl Client {
    /// Every item of every page, fetched as the stream is read. Stops when
    /// `has_more` is false or `page_token` is empty or missing. Set the page
    /// size on the request (`.page_size(50)`). Ends with
    /// [`Error::RepeatedPageToken`] when the server gives a page token twice,
    /// and with [`Error::PageBudgetExceeded`] after
    /// [`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages) pages.
    pub fn paginate<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Stream<Item = Result<R::Item, Error>> + Send + 'static
    where
        R::Item: Send,
        R::Response: Send,
    {
        use futures_util::StreamExt;
        self.pages(request)
            .map(|page| match page {
                Ok(page) => futures_util::stream::iter(
                    R::into_items(page).into_iter().map(Ok).collect::<Vec<_>>(),
                ),
                Err(e) => futures_util::stream::iter(vec![Err(e)]),
            })
            .flatten()
    }

    /// Every page's raw response, fetched as the stream is read. Stops like
    /// [`Client::paginate`], and ends with an error, never loops, when the
    /// server repeats a page token or pages past the budget.
    pub fn pages<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Stream<Item = Result<R::Response, Error>> + Send + 'static
    where
        R::Response: Send,
    {
        struct Walk<R> {
            next: Option<R>,
            /// The tokens asked for so far (memory bounded by the page budget).
            seen: std::collections::HashSet<String>,
            pages: u64,
            /// The error that ends the walk after the page just yielded.
            stop: Option<Error>,
        }
        let client = self.clone();
        let max_pages = self.inner.max_pages;
        let walk = Walk {
            next: Some(request),
            seen: Default::default(),
            pages: 0,
            stop: None,
        };
        futures_util::stream::try_unfold(walk, move |mut walk| {
            let client = client.clone();
            async move {
                if let Some(error) = walk.stop.take() {
                    return Err(error);
                }
                let Some(request) = walk.next.take() else {
                    return Ok(None);
                };
                let response = client.send(request.clone()).await?;
                walk.pages += 1;
                if let Some(token) = R::next_page_token(&response) {
                    let endpoint = R::DESCRIPTOR.id;
                    if !walk.seen.insert(token.clone()) {
                        // Server text: no configured secret shown in it.
                        let secrets = client.inner.tokens.secrets();
                        walk.stop = Some(Error::RepeatedPageToken {
                            endpoint,
                            page_token: crate::redact::text(&token, &secrets),
                            pages: walk.pages,
                        });
                    } else if walk.pages >= max_pages {
                        walk.stop = Some(Error::PageBudgetExceeded {
                            endpoint,
                            max_pages,
                        });
                    } else {
                        let mut request = request;
                        request.set_page_token(Some(token));
                        walk.next = Some(request);
                    }
                }
                Ok(Some((response, walk)))
            }
        })
    }
}

impl PagingTransport for Client {
    fn all_items<R: PaginatedRequest + 'static>(
        &self,
        request: R,
    ) -> impl Future<Output = Result<Vec<R::Item>, Error>> + Send
    where
        R::Item: Send,
    {
        use futures_util::TryStreamExt;
        self.paginate(request).try_collect()
    }
}
