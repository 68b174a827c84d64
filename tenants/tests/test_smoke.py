def test_me_with_api_key(tenant_a):
    response = tenant_a.api().get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["tenant"]["slug"] == "alpha"
