#[path = "fake_okta/mod.rs"]
mod fake_okta;

#[test]
fn starts() {
    let f = fake_okta::FakeOkta::start();
    assert!(f.url().starts_with("http://127.0.0.1:"));
}
