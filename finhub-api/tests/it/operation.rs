//! The generated operation catalogue agrees with the generated client.

use finhub_api::Operation;

#[test]
fn every_operation_round_trips_through_its_id_and_serde() {
    assert_eq!(Operation::ALL.len(), 15);
    for op in Operation::ALL {
        assert_eq!(Operation::from_id(op.id()), Some(op));
        assert_eq!(op.id().parse::<Operation>(), Ok(op));
        assert_eq!(op.to_string(), op.id());
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(json, format!("\"{}\"", op.id()));
        assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), op);
    }
    let err = "register_customer".parse::<Operation>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`register_customer` is not an operation of the FinHub API"
    );
    assert!(serde_json::from_str::<Operation>("\"nope\"").is_err());
}

#[test]
fn path_parameters_are_the_braced_segments_of_the_template() {
    for op in Operation::ALL {
        let braced: Vec<&str> = op
            .path()
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(op.path_parameters(), braced.as_slice(), "{op}");
        assert!(op.path().starts_with("/api/v2.1/"), "{op}");
    }
    assert_eq!(
        Operation::RefreshCustomerSession.path_parameters(),
        ["customerId", "userId", "sessionId"]
    );
    assert_eq!(
        Operation::RefreshCustomerSession.method(),
        reqwest::Method::PUT
    );
}
