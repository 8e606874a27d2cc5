//! Codegen tooling stays out of what users compile, and TLS is rustls.

use std::process::Command;

#[test]
fn runtime_crates_do_not_depend_on_codegen_or_openssl() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .args(["-p", "finhub-api", "-p", "finhub-ext"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"progenitor-client"), "{tree}");
    assert!(names.contains(&"rustls"), "TLS must be rustls:\n{tree}");
    // syn itself cannot be banned: serde's derive and reqwest's url stack
    // (displaydoc) use it. The generator's own crates must not appear.
    for banned in [
        "progenitor",
        "progenitor-impl",
        "progenitor-macro",
        "typify",
        "typify-impl",
        "openapiv3",
        "schemars",
        "prettyplease",
        "serde_yaml",
        "openssl-sys",
        "native-tls",
    ] {
        assert!(
            !names.contains(&banned),
            "{banned} is in the runtime dependency tree:\n{tree}"
        );
    }
}
