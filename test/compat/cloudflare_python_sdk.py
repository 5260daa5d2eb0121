"""Cloudflare's Python SDK (PyPI `cloudflare`) against a running sluice: every call of
`client.logpush`, as test/compat/cloudflare-sdk.test.ts makes them with the npm SDK. Run by
test/compat/cloudflare-python-sdk.test.ts, which starts sluice and passes it in the environment.
Prints `ok <call>` after each call's checks pass; the first failed check ends the run (exit 1).
"""

import json
import os
import pathlib
import re

import cloudflare
from cloudflare import Cloudflare

ZONE = os.environ["SDK_ZONE"]
ACCOUNT = os.environ["SDK_ACCOUNT"]
ROOT = pathlib.Path(os.environ["SDK_ROOT"])
OUTSIDE = os.environ["SDK_OUTSIDE"]

# No retries: a refused call must be refused the first time.
client = Cloudflare(api_token=os.environ["SDK_TOKEN"], base_url=os.environ["SDK_BASE_URL"], max_retries=0)


def ok(call):
    print(f"ok {call}", flush=True)


def destination(tenant, path):
    return (ROOT / tenant / path).as_uri() + "/{DATE}"


def refused(call, error_class, status, code, message):
    """`call` raises the SDK's `error_class` with Cloudflare's error shape and this code and message."""
    try:
        call()
    except error_class as error:
        assert error.status_code == status, error
        assert len(error.errors) == 1, error.errors
        assert error.errors[0].code == code, error.errors
        assert re.search(message, error.errors[0].message or ""), error.errors
        assert isinstance(error.body, dict) and error.body.get("success") is False, error.body
        return
    raise AssertionError(f"expected {error_class.__name__}, the call succeeded")


SCOPES = [
    dict(
        label="zone", params={"zone_id": ZONE}, tenant=ZONE, dataset="http_requests", other="firewall_events",
        job=dict(
            name="example.com", enabled=True,
            filter='{"where":{"and":[{"key":"ClientRequestPath","operator":"contains","value":"/static"},{"key":"BotScore","operator":"lt","value":"30"}]}}',
            output_options={"field_names": ["ClientIP", "ClientRequestHost", "ClientRequestMethod", "ClientRequestURI", "EdgeEndTimestamp", "EdgeResponseBytes", "EdgeResponseStatus", "EdgeStartTimestamp", "RayID"], "timestamp_format": "rfc3339"},
        ),
    ),
    dict(
        label="account", params={"account_id": ACCOUNT}, tenant=ACCOUNT, dataset="audit_logs", other="gateway_dns",
        job=dict(enabled=False, name="audit", output_options={"field_names": ["ActionType", "ActorEmail", "ResourceID", "When"], "timestamp_format": "rfc3339ms"}),
    ),
]

for scope in SCOPES:
    label, params, tenant, dataset, job_body = scope["label"], scope["params"], scope["tenant"], scope["dataset"], scope["job"]
    field_names = job_body["output_options"]["field_names"]
    dest = destination(tenant, "logs")

    fields = client.logpush.datasets.fields.get(dataset, **params)
    for name in field_names:
        assert isinstance(fields, dict) and isinstance(fields.get(name), str), (name, fields)
    ok(f"{label} datasets.fields.get")

    created = client.logpush.ownership.create(destination_conf=dest, **params)
    assert created.valid is True and created.filename == f"{tenant}/logs/ownership-challenge.txt", created
    token = (ROOT / created.filename).read_text().strip()
    ok(f"{label} ownership.create")
    assert client.logpush.ownership.validate(destination_conf=dest, ownership_challenge=token, **params).valid is True
    assert client.logpush.ownership.validate(destination_conf=dest, ownership_challenge=token[:-4] + "AAAA", **params).valid is False
    ok(f"{label} ownership.validate")

    assert client.logpush.validate.destination(destination_conf=dest, **params).valid is True
    outside = client.logpush.validate.destination(destination_conf=pathlib.Path(OUTSIDE).as_uri(), **params)
    assert outside.valid is False and "file roots" in (outside.message or ""), outside
    ok(f"{label} validate.destination")

    good = client.logpush.validate.origin(logpull_options="fields=" + ",".join(field_names) + "&timestamps=rfc3339", **params)
    assert good.valid is True, good
    bad = client.logpush.validate.origin(logpull_options=f"fields={field_names[0]}&timestamps=yesterday", **params)
    assert bad.valid is False and "timestamps" in (bad.message or ""), bad
    ok(f"{label} validate.origin")

    job = client.logpush.jobs.create(destination_conf=dest, dataset=dataset, **job_body, **params)
    assert isinstance(job.id, int), job
    assert (job.dataset, job.name, job.enabled, job.destination_conf) == (dataset, job_body["name"], job_body["enabled"], dest), job
    assert job.output_options.field_names == field_names and job.output_options.timestamp_format == job_body["output_options"]["timestamp_format"], job
    if "filter" in job_body:
        # The SDK's LogpushJob model has no `filter`; the API's answer keeps it as an extra field.
        assert json.loads(job.model_extra["filter"]) == json.loads(job_body["filter"]), job
    ok(f"{label} jobs.create")

    assert [j.id for j in client.logpush.jobs.list(**params)] == [job.id]
    ok(f"{label} jobs.list")
    assert [j.id for j in client.logpush.datasets.jobs.get(dataset, **params)] == [job.id]
    assert list(client.logpush.datasets.jobs.get(scope["other"], **params)) == []
    ok(f"{label} datasets.jobs.get")

    assert client.logpush.validate.destination_exists(destination_conf=dest, **params).exists is True
    assert client.logpush.validate.destination_exists(destination_conf=destination(tenant, "other"), **params).exists is False
    ok(f"{label} validate.destination_exists")

    updated = client.logpush.jobs.update(job.id, enabled=not job_body["enabled"], max_upload_records=5000, **params)
    assert updated.id == job.id and updated.enabled is (not job_body["enabled"]), updated
    ok(f"{label} jobs.update")
    got = client.logpush.jobs.get(job.id, **params)
    assert got.enabled is (not job_body["enabled"]) and got.max_upload_records == 5000 and got.output_options.field_names == field_names, got
    ok(f"{label} jobs.get")

    refused(lambda: client.logpush.jobs.create(destination_conf=destination(tenant, "edge"), dataset=dataset, kind="edge", **job_body, **params),
            cloudflare.BadRequestError, 400, 1004, r'^\$\.kind: "edge" \(Edge Log Delivery, Instant Logs\) is not offered by sluice')
    ok(f"{label} jobs.create kind=edge refused")

    assert client.logpush.jobs.delete(job.id, **params).id == job.id
    refused(lambda: client.logpush.jobs.get(job.id, **params), cloudflare.NotFoundError, 404, 1003, "not found")
    assert list(client.logpush.jobs.list(**params)) == []
    ok(f"{label} jobs.delete")

INSTANT_LOGS = r"^Instant Logs \(logpush/edge\) is not offered by sluice"
refused(lambda: client.logpush.edge.create(zone_id=ZONE, fields="ClientIP,RayID", sample=1, filter=""), cloudflare.NotFoundError, 404, 1003, INSTANT_LOGS)
ok("edge.create refused")
refused(lambda: client.logpush.edge.get(zone_id=ZONE), cloudflare.NotFoundError, 404, 1003, INSTANT_LOGS)
ok("edge.get refused")

TRANSFORMERS = r"^Logpush transformers \(logpush/transformers\) are not offered by sluice"
transformer_calls = {
    "create": lambda: client.logpush.transformers.create(account_id=ACCOUNT, name="drop-ip", code="SELECT ClientIP, RayID FROM http_requests"),
    "update": lambda: client.logpush.transformers.update(1, account_id=ACCOUNT, name="drop-ip"),
    "list": lambda: client.logpush.transformers.list(account_id=ACCOUNT),
    "delete": lambda: client.logpush.transformers.delete(1, account_id=ACCOUNT),
    "get": lambda: client.logpush.transformers.get(1, account_id=ACCOUNT),
    "preview": lambda: client.logpush.transformers.preview(account_id=ACCOUNT, sql="SELECT ClientIP, RayID FROM http_requests", input={"ClientIP": "192.0.2.1", "RayID": "7c5f3bd5ed0e1d3a"}),
    "content.get": lambda: client.logpush.transformers.content.get(1, account_id=ACCOUNT),
    "versions.list": lambda: client.logpush.transformers.versions.list(1, account_id=ACCOUNT),
}
for name, call in transformer_calls.items():
    refused(call, cloudflare.NotFoundError, 404, 1003, TRANSFORMERS)
    ok(f"transformers.{name} refused")
