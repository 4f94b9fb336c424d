//! A front for the reference server that lacks one of its operations: how a device meets a
//! service implemented before that operation, or mid-upgrade.

/// A service from before an operation (an implementation of the API that lacks it, or an
/// instance not yet upgraded): answers every path `missing` picks `404 route.not_found`, as the
/// reference server answers a route it does not have, and passes every other request to the
/// reference server at `upstream` unchanged. Returns its address.
pub async fn without(upstream: String, missing: fn(&str) -> bool) -> String {
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, Response, StatusCode};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let front = axum::Router::new().fallback(move |request: Request<Body>| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            if missing(request.uri().path()) {
                return Response::builder()
                    .status(StatusCode::NOT_FOUND)
                    .header("content-type", "application/json")
                    .body(Body::from(
                        r#"{"code":"route.not_found","message":"There is no such resource."}"#,
                    ))
                    .unwrap();
            }
            let (parts, body) = request.into_parts();
            let body = to_bytes(body, 1 << 20).await.unwrap();
            let mut forwarded = client.request(
                parts.method.clone(),
                format!("{upstream}{}", parts.uri.path()),
            );
            for (name, value) in &parts.headers {
                if name != "host" {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.body(body).send().await.unwrap();
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            response
                .body(Body::from(answer.bytes().await.unwrap()))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, front).await.unwrap() });
    url
}
