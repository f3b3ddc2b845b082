//! Object service and blob store: upload/download round trips, Range, expiry, faults.

mod common;
use base64::Engine;
use common::*;
use serde_json::{json, Value};
use tc_devserver::{Fault, FaultAction};

const O: &str = "/api/object/v1";

/// Percent-encode everything except unreserved characters (the Rust client's rule).
fn enc(name: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(name, SET).to_string()
}

/// Upload `data` as `name` (dataInline when allowed and proposed, else putUrl); returns the
/// createUpload response.
async fn upload(root: &str, rc: &Value, name: &str, data: &[u8], inline: bool) -> Value {
    let upload_id = slugid();
    let mut methods =
        json!({"putUrl": {"contentType": "application/octet-stream", "contentLength": data.len()}});
    if inline {
        methods["dataInline"] =
            json!({"contentType": "application/octet-stream", "objectData": B64.encode(data)});
    }
    let expires = iso_in(3600);
    let r = call_as(
        root,
        rc,
        "PUT",
        &format!("{O}/upload/{}", enc(name)),
        Some(&json!({"projectId": "proj", "uploadId": upload_id, "expires": expires, "proposedUploadMethods": methods})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["expires"], json!(expires));
    if let Some(p) = r.1["uploadMethod"].get("putUrl") {
        let headers: Vec<(String, String)> = p["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        assert!(headers
            .iter()
            .any(|(k, v)| k == "Content-Length" && *v == data.len().to_string()));
        let hrefs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = put_url(p["url"].as_str().unwrap(), &hrefs, data.to_vec()).await;
        assert_eq!(r.0, 200, "{}", r.1);
    } else {
        assert_eq!(r.1["uploadMethod"], json!({"dataInline": true}));
    }
    let r2 = call_as(
        root,
        rc,
        "POST",
        &format!("{O}/finish-upload/{}", enc(name)),
        Some(&json!({"projectId": "proj", "uploadId": upload_id, "hashes": {"sha256": sha256_hex(data), "sha512": sha512_hex(data)}})),
    )
    .await;
    assert_eq!(r2.0, 200, "{:?}", r2.1);
    r.1
}

async fn start_download(root: &str, rc: &Value, name: &str) -> (u16, Value) {
    call_as(
        root,
        rc,
        "PUT",
        &format!("{O}/start-download/{}", enc(name)),
        Some(&json!({"acceptDownloadMethods": {"getUrl": true}})),
    )
    .await
}

#[tokio::test]
async fn round_trips_of_various_sizes() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let big: Vec<u8> = (0..5 * 1024 * 1024 + 17)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("empty/inline", vec![], true),
        ("empty/put", vec![], false),
        ("one/inline", vec![42], true),
        ("one/put", vec![42], false),
        ("a b/c%d?e#f+g~'()", b"hello, world".to_vec(), true),
        ("big/object", big, false),
    ];
    for (name, data, inline) in &cases {
        upload(&root, &rc, name, data, *inline).await;
        let (st, dl) = start_download(&root, &rc, name).await;
        assert_eq!(st, 200, "{name}: {dl:?}");
        assert_eq!(dl["method"], "getUrl");
        assert_eq!(
            dl["hashes"],
            json!({"sha256": sha256_hex(data), "sha512": sha512_hex(data)})
        );
        assert!(dl["expires"].as_str().unwrap() > iso_in(30).as_str());
        let (st, h, bytes) = get_url(dl["url"].as_str().unwrap(), &[]).await;
        assert_eq!(st, 200, "{name}");
        assert_eq!(&bytes[..], &data[..], "{name}");
        assert_eq!(
            h["content-length"].to_str().unwrap(),
            data.len().to_string()
        );
        assert_eq!(h["content-type"], "application/octet-stream");
        // metadata
        let (st, md) = call_as(
            &root,
            &rc,
            "GET",
            &format!("{O}/metadata/{}", enc(name)),
            None,
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(md["projectId"], "proj");
        assert_eq!(md["hashes"]["sha256"], json!(sha256_hex(data)));
    }
    // Range on the big object: resume from the middle, and a bounded range
    let (_, dl) = start_download(&root, &rc, "big/object").await;
    let url = dl["url"].as_str().unwrap();
    let data = &cases[5].1;
    let n = 3 * 1024 * 1024 + 5;
    let (st, h, bytes) = get_url(url, &[("range", &format!("bytes={n}-"))]).await;
    assert_eq!(st, 206);
    assert_eq!(
        h["content-range"].to_str().unwrap(),
        format!("bytes {n}-{}/{}", data.len() - 1, data.len())
    );
    assert_eq!(&bytes[..], &data[n..]);
    let (st, _, bytes) = get_url(url, &[("range", "bytes=10-19")]).await;
    assert_eq!(st, 206);
    assert_eq!(&bytes[..], &data[10..20]);
    let (st, h, _) = get_url(url, &[("range", &format!("bytes={}-", data.len()))]).await;
    assert_eq!(st, 416);
    assert_eq!(
        h["content-range"].to_str().unwrap(),
        format!("bytes */{}", data.len())
    );

    // simple download: 303 to a storage URL
    let (st, h, _) = raw_call(
        &root,
        Some(&rc),
        "GET",
        &format!("{O}/download/one%2Fput"),
        None,
    )
    .await;
    assert_eq!(st, 303);
    let (st, _, bytes) = get_url(h["location"].to_str().unwrap(), &[]).await;
    assert_eq!((st, &bytes[..]), (200, &[42u8][..]));
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{O}/start-download/one%2Fput"),
        Some(&json!({"acceptDownloadMethods": {"simple": true}})),
    )
    .await;
    assert_eq!(r.1["method"], "simple");

    // the request log saw the blob PUT with its length
    let puts: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.url.starts_with("/__storage/"))
        .collect();
    assert!(puts
        .iter()
        .any(|r| r.body_length == cases[5].1.len() as u64));
}

#[tokio::test]
async fn upload_rules_and_conflicts() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let name = "rules/obj";
    let uid = slugid();
    let expires = iso_in(3600);
    let body = json!({"projectId": "proj", "uploadId": uid, "expires": expires, "proposedUploadMethods": {}});
    let path = format!("{O}/upload/{}", enc(name));
    let r = call_as(&root, &rc, "PUT", &path, Some(&body)).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["uploadMethod"], json!({}));
    // idempotent, then conflicts
    assert_eq!(call_as(&root, &rc, "PUT", &path, Some(&body)).await.0, 200);
    let mut other = body.clone();
    other["uploadId"] = json!(slugid());
    let r = call_as(&root, &rc, "PUT", &path, Some(&other)).await;
    assert_eq!(r.0, 409);
    assert!(message(&r.1).starts_with("Object already exists"));
    let mut other = body.clone();
    other["expires"] = json!(iso_in(7200));
    assert_eq!(call_as(&root, &rc, "PUT", &path, Some(&other)).await.0, 409);
    // unfinished: not downloadable
    assert_eq!(start_download(&root, &rc, name).await.0, 404);
    // finishUpload errors
    let fin = format!("{O}/finish-upload/{}", enc(name));
    let r = call_as(
        &root,
        &rc,
        "POST",
        &fin,
        Some(&json!({"projectId": "other", "uploadId": uid})),
    )
    .await;
    assert_eq!((r.0, r.1["code"].as_str().unwrap()), (400, "InputError"));
    let r = call_as(
        &root,
        &rc,
        "POST",
        &fin,
        Some(&json!({"projectId": "proj", "uploadId": slugid()})),
    )
    .await;
    assert_eq!(r.0, 409);
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{O}/finish-upload/nope"),
        Some(&json!({"projectId": "proj", "uploadId": uid})),
    )
    .await;
    assert_eq!(r.0, 404);
    let r = call_as(
        &root,
        &rc,
        "POST",
        &fin,
        Some(&json!({"projectId": "proj", "uploadId": uid, "hashes": {"sha256": "A".repeat(64)}})),
    )
    .await;
    assert_eq!(r.1["code"], "InputValidationError");
    let r = call_as(
        &root,
        &rc,
        "POST",
        &fin,
        Some(&json!({"projectId": "proj", "uploadId": uid, "hashes": {"sha256": "a".repeat(64)}})),
    )
    .await;
    assert_eq!(r.0, 200);
    // finished: idempotent with the same hashes, conflict on new or changed ones
    let r = call_as(&root, &rc, "POST", &fin, Some(&json!({"projectId": "proj", "uploadId": slugid(), "hashes": {"sha256": "a".repeat(64)}}))).await;
    assert_eq!(r.0, 200);
    let r = call_as(
        &root,
        &rc,
        "POST",
        &fin,
        Some(&json!({"projectId": "proj", "uploadId": uid, "hashes": {"sha512": "b".repeat(128)}})),
    )
    .await;
    assert_eq!(r.0, 409);
    assert_eq!(call_as(&root, &rc, "PUT", &path, Some(&body)).await.0, 409);
    // startDownload: 406 without a supported method
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{O}/start-download/{}", enc(name)),
        Some(&json!({"acceptDownloadMethods": {}})),
    )
    .await;
    assert_eq!(
        (r.0, r.1["code"].as_str().unwrap()),
        (406, "NoMatchingMethod")
    );
    // bad names
    let r = call_as(
        &root,
        &rc,
        "PUT",
        "/api/object/v1/upload/donn%C3%A9es",
        Some(&body),
    )
    .await;
    assert_eq!(
        (r.0, r.1["code"].as_str().unwrap()),
        (400, "InvalidRequestArguments")
    );
    // unknown property
    let mut bad = body.clone();
    bad["extra"] = json!(1);
    let r = call_as(&root, &rc, "PUT", "/api/object/v1/upload/x", Some(&bad)).await;
    assert_eq!(r.1["code"], "InputValidationError");
    // scopes: object:upload:<projectId>:<name>
    let (cert, token) = certificate(
        s.client_id(),
        s.access_token(),
        None,
        &["object:upload:proj:mine/*"],
        now_ms() - 1000,
        now_ms() + 3_600_000,
    );
    let limited =
        json!({"clientId": s.client_id(), "accessToken": token, "certificate": cert.to_string()});
    let mut b2 = body.clone();
    b2["uploadId"] = json!(slugid());
    assert_eq!(
        call_as(
            &root,
            &limited,
            "PUT",
            "/api/object/v1/upload/mine%2Fa",
            Some(&b2)
        )
        .await
        .0,
        200
    );
    b2["uploadId"] = json!(slugid());
    assert_eq!(
        call_as(
            &root,
            &limited,
            "PUT",
            "/api/object/v1/upload/yours",
            Some(&b2)
        )
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn blob_store_put_rules() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let uid = slugid();
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{O}/upload/put-rules"),
        Some(&json!({"projectId": "proj", "uploadId": uid, "expires": iso_in(3600),
            "proposedUploadMethods": {"putUrl": {"contentType": "text/plain", "contentLength": 5}}})),
    )
    .await;
    let p = r.1["uploadMethod"]["putUrl"].clone();
    let url = p["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{root}/__storage/")));
    assert!(url.contains("expires=") && url.contains("sig="));
    assert_eq!(p["headers"]["Content-Encoding"], "identity");
    // wrong content type / wrong length → 403 (signed)
    assert_eq!(
        put_url(url, &[("content-type", "text/html")], b"hello".to_vec())
            .await
            .0,
        403
    );
    assert_eq!(
        put_url(url, &[("content-type", "text/plain")], b"hell".to_vec())
            .await
            .0,
        403
    );
    // a credential on a storage URL is rejected
    let r = put_url(
        url,
        &[
            ("content-type", "text/plain"),
            ("authorization", "Hawk id=\"x\""),
        ],
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(r.0, 400);
    // chunked (no length) → 501
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        bytes::Bytes::from_static(b"hello"),
    )]);
    let resp = client()
        .put(url)
        .header("content-type", "text/plain")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 501);
    // tampered signature → 403
    let bad = url.replace("sig=", "sig=x");
    assert_eq!(
        put_url(&bad, &[("content-type", "text/plain")], b"hello".to_vec())
            .await
            .0,
        403
    );
    let r = put_url(
        url,
        &[
            ("content-type", "text/plain"),
            ("content-encoding", "identity"),
        ],
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let r = call_as(
        &root,
        &rc,
        "POST",
        "/api/object/v1/finish-upload/put-rules",
        Some(&json!({"projectId": "proj", "uploadId": uid})),
    )
    .await;
    assert_eq!(r.0, 200);
    // hashes were not reported: download negotiation gives empty hashes, content is served
    let (_, dl) = start_download(&root, &rc, "put-rules").await;
    assert_eq!(dl["hashes"], json!({}));
    let (st, h, bytes) = get_url(dl["url"].as_str().unwrap(), &[]).await;
    assert_eq!((st, &bytes[..]), (200, &b"hello"[..]));
    assert_eq!(h["content-encoding"], "identity");
    assert_eq!(h["content-type"], "text/plain");
}

#[tokio::test]
async fn expired_urls_and_wrong_hashes() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let data = b"some bytes to check".to_vec();
    upload(&root, &rc, "faulty", &data, true).await;

    // expireUrl on startDownload: expires in the past, URL refused
    s.add_fault(Fault::new(
        "/api/object/v1/start-download/",
        FaultAction::ExpireUrl,
    ));
    let (st, dl) = start_download(&root, &rc, "faulty").await;
    assert_eq!(st, 200);
    assert!(dl["expires"].as_str().unwrap() < iso_in(0).as_str());
    let (st, _, body) = get_url(dl["url"].as_str().unwrap(), &[]).await;
    assert_eq!(st, 403);
    assert!(String::from_utf8_lossy(&body).contains("AccessDenied"));
    // a fresh negotiation works
    let (_, dl) = start_download(&root, &rc, "faulty").await;
    let url = dl["url"].as_str().unwrap().to_string();
    assert_eq!(get_url(&url, &[]).await.0, 200);
    // expireUrl on the storage request itself
    s.add_fault(Fault::new("/__storage/", FaultAction::ExpireUrl).method("GET"));
    assert_eq!(get_url(&url, &[]).await.0, 403);
    assert_eq!(get_url(&url, &[]).await.0, 200);
    // expireUrl on createUpload: an already-expired putUrl
    s.add_fault(Fault::new("/api/object/v1/upload/", FaultAction::ExpireUrl));
    let r = call_as(
        &root,
        &rc,
        "PUT",
        "/api/object/v1/upload/late",
        Some(&json!({"projectId": "proj", "uploadId": slugid(), "expires": iso_in(3600),
            "proposedUploadMethods": {"putUrl": {"contentType": "text/plain", "contentLength": 1}}})),
    )
    .await;
    let p = &r.1["uploadMethod"]["putUrl"];
    assert!(p["expires"].as_str().unwrap() < iso_in(0).as_str());
    assert_eq!(
        put_url(
            p["url"].as_str().unwrap(),
            &[("content-type", "text/plain")],
            b"x".to_vec()
        )
        .await
        .0,
        403
    );

    // wrongHash on the storage GET: same length, different bytes
    s.add_fault(Fault::new("/__storage/", FaultAction::WrongHash));
    let (st, _, bytes) = get_url(&url, &[]).await;
    assert_eq!(st, 200);
    assert_eq!(bytes.len(), data.len());
    assert_ne!(&bytes[..], &data[..]);
    assert_eq!(&get_url(&url, &[]).await.2[..], &data[..]);
    // wrongHash on startDownload: reported hashes differ
    s.add_fault(Fault::new(
        "/api/object/v1/start-download/",
        FaultAction::WrongHash,
    ));
    let (_, dl) = start_download(&root, &rc, "faulty").await;
    assert_ne!(dl["hashes"]["sha256"], json!(sha256_hex(&data)));
    assert_eq!(dl["hashes"]["sha256"].as_str().unwrap().len(), 64);

    // a truncated blob download keeps the declared length
    s.add_fault(Fault::new(
        "/__storage/",
        FaultAction::Truncate { bytes: 4 },
    ));
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.content_length(), Some(data.len() as u64));
    assert!(resp.bytes().await.is_err());
}

/// 1 GiB through the blob store (streamed to and from disk). Slow in debug builds.
#[tokio::test]
#[ignore]
async fn one_gib_round_trip() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    const LEN: u64 = 1 << 30;
    let uid = slugid();
    let r = call_as(
        &root,
        &rc,
        "PUT",
        "/api/object/v1/upload/huge",
        Some(&json!({"projectId": "proj", "uploadId": uid, "expires": iso_in(3600),
            "proposedUploadMethods": {"putUrl": {"contentType": "application/octet-stream", "contentLength": LEN}}})),
    )
    .await;
    let url = r.1["uploadMethod"]["putUrl"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let chunk = bytes::Bytes::from(vec![7u8; 1 << 20]);
    let stream =
        futures_util::stream::iter((0..1024).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
    let resp = client()
        .put(&url)
        .header("content-type", "application/octet-stream")
        .header("content-length", LEN.to_string())
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let r = call_as(
        &root,
        &rc,
        "POST",
        "/api/object/v1/finish-upload/huge",
        Some(&json!({"projectId": "proj", "uploadId": uid})),
    )
    .await;
    assert_eq!(r.0, 200);
    let (_, dl) = start_download(&root, &rc, "huge").await;
    let resp = client()
        .get(dl["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.content_length(), Some(LEN));
    let mut n = 0u64;
    let mut stream = resp.bytes_stream();
    use futures_util::StreamExt;
    while let Some(c) = stream.next().await {
        n += c.unwrap().len() as u64;
    }
    assert_eq!(n, LEN);
}

/// Objects put directly with a `Content-Encoding` (in process and over the admin API), and
/// what the blob store serves for them.
#[tokio::test]
async fn seeded_objects_with_content_encoding() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let data: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
    // gzip, over HTTP
    let (st, _) = send(
        "POST",
        &format!("{root}/__devserver/objects"),
        None,
        Some(
            &json!({"name": "enc/gzip", "projectId": "proj", "data": B64.encode(&data),
            "contentType": "text/plain", "contentEncoding": "gzip"}),
        ),
    )
    .await;
    assert_eq!(st, 200);
    // identity, in process
    s.put_object(tc_devserver::ObjectSeed {
        name: "enc/identity".into(),
        project_id: "proj".into(),
        data: data.clone(),
        content_type: "text/plain".into(),
        content_encoding: Some("identity".into()),
    })
    .await
    .unwrap();
    // deflate (zlib), and br, which the server cannot produce: the bytes as given, so labelled
    for encoding in ["deflate", "br"] {
        s.put_object(tc_devserver::ObjectSeed {
            name: format!("enc/{encoding}"),
            project_id: "proj".into(),
            data: data.clone(),
            content_type: "text/plain".into(),
            content_encoding: Some(encoding.into()),
        })
        .await
        .unwrap();
    }

    for (name, encoding) in [
        ("enc/gzip", "gzip"),
        ("enc/deflate", "deflate"),
        ("enc/identity", "identity"),
        ("enc/br", "br"),
    ] {
        let (st, dl) = start_download(&root, &rc, name).await;
        assert_eq!(st, 200, "{dl}");
        assert_eq!(
            dl["hashes"]["sha256"],
            json!(sha256_hex(&data)),
            "of the decoded bytes"
        );
        assert_eq!(dl["hashes"]["sha512"], json!(sha512_hex(&data)));
        let (st, headers, body) = get_url(dl["url"].as_str().unwrap(), &[]).await;
        assert_eq!(st, 200);
        assert_eq!(headers["content-encoding"], encoding);
        assert_eq!(headers["content-type"], "text/plain");
        let stored = s.stored_object(name).unwrap();
        let blob = stored.blob.clone().unwrap();
        assert_eq!(blob.len, body.len() as u64);
        assert_eq!(
            blob.sha256,
            sha256_hex(&body),
            "the blob hash is of the stored bytes"
        );
        assert_eq!(blob.content_encoding.as_deref(), Some(encoding));
        assert!(stored.finished);
        let mut decoded = Vec::new();
        use std::io::Read;
        match encoding {
            "gzip" => {
                assert_eq!(&body[..2], &[0x1f, 0x8b], "a gzip member");
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            "deflate" => {
                flate2::read::ZlibDecoder::new(&body[..])
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            _ => decoded = body.to_vec(),
        }
        assert_eq!(decoded, data, "{encoding}");
        let (st, o) = send(
            "GET",
            &format!("{root}/__devserver/objects?name={}", enc(name)),
            None,
            None,
        )
        .await;
        assert_eq!(st, 200);
        assert_eq!(o["hashes"]["sha256"], json!(sha256_hex(&data)));
        assert_eq!(o["blob"]["contentEncoding"], encoding);
    }
    let (st, _) = send(
        "GET",
        &format!("{root}/__devserver/objects?name=nope"),
        None,
        None,
    )
    .await;
    assert_eq!(st, 404);
}

/// `ignoreRange`, `wrongContentRange` and `throttle` on blob GETs, and the request log's
/// header subset and body hashes.
#[tokio::test]
async fn range_faults_throttle_and_log() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 253) as u8).collect();
    upload(&root, &rc, "ranges", &data, false).await;
    let put = s
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.url.starts_with("/__storage/"))
        .unwrap();
    assert_eq!(put.body_sha256.as_deref(), Some(sha256_hex(&data).as_str()));
    assert_eq!(put.content_length, Some(data.len() as u64));
    assert_eq!(put.transfer_encoding, None);
    let create = s
        .requests()
        .into_iter()
        .find(|r| r.url.starts_with("/api/object/v1/upload/"))
        .unwrap();
    assert_eq!(create.body_sha256.as_ref().map(String::len), Some(64));
    let (_, dl) = start_download(&root, &rc, "ranges").await;
    let url = dl["url"].as_str().unwrap();
    let range = [("range", "bytes=1000-")];

    // a normal range request
    let (st, h, body) = get_url(url, &range).await;
    assert_eq!(st, 206);
    assert_eq!(h["content-range"], "bytes 1000-199999/200000");
    assert_eq!(body.to_vec(), data[1000..]);

    // ignoreRange: 200 with everything
    s.add_fault(Fault::new("/__storage/", FaultAction::IgnoreRange).method("GET"));
    let (st, h, body) = get_url(url, &range).await;
    assert_eq!(st, 200);
    assert!(h.get("content-range").is_none());
    assert_eq!(body.to_vec(), data);

    // wrongContentRange: 206 from another offset, consistent with its Content-Range
    s.add_fault(
        Fault::new("/__storage/", FaultAction::WrongContentRange { start: 10 })
            .method("GET")
            .times(2),
    );
    let (st, h, body) = get_url(url, &range).await;
    assert_eq!(st, 206);
    assert_eq!(h["content-range"], "bytes 10-199999/200000");
    assert_eq!(body.to_vec(), data[10..]);
    let (st, _, body) = get_url(url, &[]).await;
    assert_eq!(
        (st, body.to_vec()),
        (200, data.clone()),
        "no Range: served normally"
    );

    // throttle: the body arrives complete, with its Content-Length
    s.add_fault(Fault::new(
        "/__storage/",
        FaultAction::Throttle {
            bytes_per_second: 400_000,
            ms: 200,
        },
    ));
    let (st, h, body) = get_url(url, &[]).await;
    assert_eq!(st, 200);
    assert_eq!(h["content-length"], "200000");
    assert_eq!(body.to_vec(), data);

    let gets: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.url.starts_with("/__storage/"))
        .map(|r| (r.range, r.faulted))
        .collect();
    let r = Some("bytes=1000-".to_string());
    assert_eq!(
        gets,
        [
            (r.clone(), false),
            (r.clone(), true),
            (r, true),
            (None, true),
            (None, true)
        ]
    );
    // the JSON names of the new actions
    let f: Fault = serde_json::from_value(
        json!({"action": {"kind": "throttle", "bytesPerSecond": 5, "ms": 6}}),
    )
    .unwrap();
    assert_eq!(
        f.action,
        FaultAction::Throttle {
            bytes_per_second: 5,
            ms: 6
        }
    );
    let f: Fault =
        serde_json::from_value(json!({"action": {"kind": "wrongContentRange", "start": 3}}))
            .unwrap();
    assert_eq!(f.action, FaultAction::WrongContentRange { start: 3 });
    let f: Fault = serde_json::from_value(json!({"action": {"kind": "ignoreRange"}})).unwrap();
    assert_eq!(f.action, FaultAction::IgnoreRange);
}
