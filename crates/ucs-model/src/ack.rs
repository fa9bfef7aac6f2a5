//! The immediate answer to an accepted request: `{"statusCode":0,"referenceId":N}`.

use serde::Serialize;

/// An accepted request's acknowledgement; its result follows over CometD under `reference_id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    status_code: u8,
    reference_id: u64,
}

impl Ack {
    /// The ack of the request numbered `reference_id`.
    pub fn new(reference_id: u64) -> Self {
        Self {
            status_code: 0,
            reference_id,
        }
    }

    /// The referenceId the notification will carry.
    pub fn reference_id(&self) -> u64 {
        self.reference_id
    }

    /// The answer body, exactly as GWS prints it.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("two numbers always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_byte_for_byte_the_gws_ack() {
        assert_eq!(
            Ack::new(42).to_body(),
            br#"{"statusCode":0,"referenceId":42}"#
        );
    }
}
