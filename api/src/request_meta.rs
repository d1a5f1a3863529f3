//! What every part of a request's handling may need to know about it without being
//! handed it: its id and path. Set by the request middleware for the whole request.

tokio::task_local! {
    static CURRENT: RequestMeta;
}

#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: String,
    pub path: String,
}

/// Runs `future` with `meta` as the current request.
pub async fn scope<F: std::future::Future>(meta: RequestMeta, future: F) -> F::Output {
    CURRENT.scope(meta, future).await
}

/// The current request, when called within one.
pub fn current() -> Option<RequestMeta> {
    CURRENT.try_with(|meta| meta.clone()).ok()
}
