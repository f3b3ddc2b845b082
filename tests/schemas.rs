//! The generated schema types (`taskcluster_wasm::generated::schemas`) against the local
//! deployment: every response below deserializes into its type and serializes back to exactly
//! the JSON the server sent (so no field is lost or misread), and typed payloads are accepted.
#![cfg(not(target_arch = "wasm32"))]

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use taskcluster_wasm::generated::schemas as s;
use taskcluster_wasm::{Auth, Client, Credentials, Index, Queue, Secrets};
use tc_devserver::{Config, DevServer};

/// `v` as a `T`, which must serialize back to `v` itself.
fn typed<T: DeserializeOwned + Serialize>(what: &str, v: Value) -> T {
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{what}: {e}\n{v:#}"));
    assert_eq!(serde_json::to_value(&t).unwrap(), v, "{what} round-trips");
    t
}

#[tokio::test]
async fn responses_of_the_local_deployment_deserialize_into_the_generated_types() {
    let server = DevServer::start(Config::default())
        .await
        .expect("devserver starts");
    let client = Client::builder(server.root_url())
        .credentials(Credentials::new(server.client_id(), server.access_token()))
        .build()
        .unwrap();
    let auth = Auth::new(client.clone());
    let scopes: s::Scopeset = typed(
        "currentScopes",
        auth.current_scopes::<Value>().await.unwrap(),
    );
    assert!(!scopes.scopes.is_empty());
    typed::<s::GetClientResponse>(
        "client",
        auth.client::<Value>(server.client_id()).await.unwrap(),
    );
    typed::<s::ListClientsResponse>(
        "listClients",
        auth.list_clients::<Value>(&Default::default())
            .await
            .unwrap(),
    );

    let secrets = Secrets::new(client.clone());
    let secret = s::Secret {
        secret: serde_json::from_value(json!({"a": 1})).unwrap(),
        expires: taskcluster_wasm::from_now_json("1 hour").unwrap(),
    };
    secrets.set("project/schemas/s", &secret).await.unwrap();
    let got: s::Secret = typed(
        "secrets.get",
        secrets.get::<Value>("project/schemas/s").await.unwrap(),
    );
    assert_eq!(got.secret, secret.secret);

    let queue = Queue::new(client.clone());
    let task_id = taskcluster_wasm::util::slugid::nice();
    let definition = json!({
        "taskQueueId": "proj/worker",
        "created": taskcluster_wasm::from_now_json("0 seconds").unwrap(),
        "deadline": taskcluster_wasm::from_now_json("1 hour").unwrap(),
        "payload": {},
        "metadata": {"name": "n", "description": "d", "owner": "o@example.com", "source": "https://example.com"},
    });
    let request: s::CreateTaskRequest = typed("a task definition", definition);
    let status: s::TaskStatusResponse = typed(
        "createTask",
        queue
            .create_task::<Value, _>(&task_id, &request)
            .await
            .unwrap(),
    );
    assert_eq!(status.status.task_id, task_id);
    typed::<s::TaskStatusResponse>("status", queue.status::<Value>(&task_id).await.unwrap());
    typed::<s::QueueTask>("task", queue.task::<Value>(&task_id).await.unwrap());
    // (listTaskGroup is left out: tc-devserver's answer lacks the `expires` the schema requires.)

    let index = Index::new(client.clone());
    let insert = s::InsertTaskRequest {
        task_id: task_id.clone(),
        rank: 0.0,
        data: Default::default(),
        expires: taskcluster_wasm::from_now_json("1 day").unwrap(),
    };
    typed::<s::IndexedTaskResponse>(
        "insertTask",
        index
            .insert_task::<Value, _>("project.schemas.t", &insert)
            .await
            .unwrap(),
    );
    let found: s::IndexedTaskResponse = typed(
        "findTask",
        index.find_task::<Value>("project.schemas.t").await.unwrap(),
    );
    assert_eq!(found.task_id, task_id);
}
