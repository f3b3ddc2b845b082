//! The standard Taskcluster environment variables.

use crate::platform::env_var;

/// The values of the standard variables; empty variables count as unset.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvVars {
    /// `TASKCLUSTER_ROOT_URL`
    pub root_url: Option<String>,
    /// `TASKCLUSTER_CLIENT_ID`
    pub client_id: Option<String>,
    /// `TASKCLUSTER_ACCESS_TOKEN`
    pub access_token: Option<String>,
    /// `TASKCLUSTER_CERTIFICATE`
    pub certificate: Option<String>,
    /// `TASKCLUSTER_PROXY_URL`: inside a task with the Taskcluster proxy, the proxy signs
    /// requests itself, so it replaces the root URL and the credentials.
    pub proxy_url: Option<String>,
}

impl std::fmt::Debug for EnvVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvVars")
            .field("root_url", &self.root_url)
            .field("client_id", &self.client_id)
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("certificate", &self.certificate.as_ref().map(|_| "<set>"))
            .field("proxy_url", &self.proxy_url)
            .finish()
    }
}

impl EnvVars {
    /// Reads the variables from the host (the process natively; `process.env` in Node,
    /// `Deno.env` in Deno, nothing in browsers).
    pub fn read() -> EnvVars {
        EnvVars {
            root_url: env_var("TASKCLUSTER_ROOT_URL"),
            client_id: env_var("TASKCLUSTER_CLIENT_ID"),
            access_token: env_var("TASKCLUSTER_ACCESS_TOKEN"),
            certificate: env_var("TASKCLUSTER_CERTIFICATE"),
            proxy_url: env_var("TASKCLUSTER_PROXY_URL"),
        }
    }
}
