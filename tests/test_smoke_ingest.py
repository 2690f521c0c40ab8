def test_plain_json_is_stored(ingest_client, sql):
    resp = ingest_client.post("/", json={"type": "deployment.started", "deployment_id": "d-1",
                                         "service": "api", "environment": "prod",
                                         "version": "1"})
    assert resp.status_code == 202, resp.get_data(as_text=True)
    row = sql.execute("SELECT type, service, environment FROM platform_events").fetchone()
    assert row == ("dev.pts.deployment.started", "api", "prod")
