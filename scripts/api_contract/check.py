"""The API contract, checked as its clients meet it (run by scripts/contract against a live service).

1. /openapi.json is a valid OpenAPI 3.1 document (openapi-spec-validator), and every request body's
   example is valid against its own schema.
2. schemathesis, once per role, with every check on: no 5xx, no status, content type, header or body
   the document does not allow, nothing the document allows refused (but the exceptions in
   schemathesis.toml), nothing it forbids accepted.
3. A client generated from the document by openapi-python-client runs the README's first steps:
   register an employer, create a draft, submit it, read its history.

Environment: SLS_CONTRACT_BASE (the service), SLS_CONTRACT_BIN (the sls-case binary, for tokens),
SLS_CONTRACT_MAX_TIME (seconds of schemathesis per role), SLS_CONTRACT_SEED (its seed; another one explores
other cases), SLS_CONTRACT_OUT (a work directory).
Exits 1 on any failure; prints the figures.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

BASE = os.environ["SLS_CONTRACT_BASE"]
BIN = os.environ["SLS_CONTRACT_BIN"]
MAX_TIME = os.environ.get("SLS_CONTRACT_MAX_TIME", "60")
SEED = os.environ.get("SLS_CONTRACT_SEED", "20261201")
OUT = Path(os.environ["SLS_CONTRACT_OUT"])
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
ROLES = ["employer", "caseworker", "approver", "auditor", "admin", "lab_member", "inspector", "immd"]


def token(role, employer=None):
    args = [BIN, "token", "--role", role, "--sub", f"contract-{role}"]
    if employer:
        args += ["--employer-id", employer]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def call(method, path, bearer, body=None):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": f"Bearer {bearer}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def check_document():
    from openapi_spec_validator import OpenAPIV31SpecValidator
    from openapi_schema_validator import OAS31Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    with urllib.request.urlopen(BASE + "/openapi.json") as response:
        document = json.load(response)
    (OUT / "openapi.json").write_text(json.dumps(document, indent=2))
    errors = list(OpenAPIV31SpecValidator(document).iter_errors())
    for error in errors[:20]:
        print(f"  invalid: {error.message[:200]}")
    operations = sum(1 for item in document["paths"].values() for method in item if method in
                     ("get", "put", "post", "patch", "delete"))
    registry = Registry().with_resource("urn:sls-case:openapi",
                                        Resource.from_contents(document, default_specification=DRAFT202012))
    escape = lambda segment: segment.replace("~", "~0").replace("/", "~1")
    bad_examples = 0
    examples = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                if "example" not in content or media_type != "application/json":
                    continue
                examples += 1
                pointer = "/".join(["paths", escape(path), method, "requestBody", "content", escape(media_type), "schema"])
                validator = OAS31Validator({"$ref": f"urn:sls-case:openapi#/{pointer}"}, registry=registry)
                for error in validator.iter_errors(content["example"]):
                    bad_examples += 1
                    print(f"  {method.upper()} {path}: example invalid: {error.message[:200]}")
    print(f"document: OpenAPI {document['openapi']}, {operations} operations, "
          f"{len(errors)} validation errors; {examples} request-body examples, {bad_examples} invalid")
    return not errors and not bad_examples


def seed():
    """An employer with a headcount return and a draft case, for the operations that need ids."""
    caseworker = token("caseworker")
    employer = call("POST", "/v1/employers", caseworker, {
        "business_registration_number": "87000001", "name_en": "Contract Test Ltd",
        "business_address": "1 Contract Road"})["id"]
    employer_token = token("employer", employer)
    call("POST", f"/v1/employers/{employer}/headcount-returns", employer_token, {
        "as_of": "2026-01-31", "full_time_locals": 20, "imported_workers": 0, "evidence_ref": "MPF"})
    draft = call("POST", "/v1/applications", employer_token, {
        "justification": "Seeded for the contract checks",
        "vacancies": [{"post_title": "Dishwasher", "post_code": "DISHWASHER", "industry_sector": "CATERING",
                       "workers_requested": 1, "monthly_wage_hkd": 16000, "normal_daily_hours": 9,
                       "duties": "Wash dishes", "workplace_addresses": ["1 Contract Road"]}]})
    return employer, draft["id"], draft["vacancies"][0]["id"]


def schemathesis(role, bearer, env):
    report = OUT / f"schemathesis-{role}.txt"
    args = [str(VENV_BIN / "schemathesis"), "--no-color", "--config-file", str(HERE / "schemathesis.toml"), "run",
            BASE + "/openapi.json", "--header", f"Authorization: Bearer {bearer}",
            "--phases", "examples,coverage,fuzzing", "--max-examples", "25", "--max-time", MAX_TIME,
            "--workers", "1", "--suppress-health-check", "filter_too_much,too_slow",
            "--seed", SEED]
    # Run in the work directory: schemathesis keeps its example database where it runs.
    result = subprocess.run(args, env=env, capture_output=True, text=True, cwd=OUT)
    report.write_text(result.stdout + result.stderr)
    generated = re.search(r"(\d+) generated", result.stdout)
    failures = re.search(r"(\d+) unique failures?", result.stdout)
    errors = re.search(r"Runtime Error: (\d+)", result.stdout)
    print(f"schemathesis as {role}: {generated.group(1) if generated else 0} cases, "
          f"{failures.group(1) if failures else 0} failures, {errors.group(1) if errors else 0} errors "
          f"(exit {result.returncode}; {report})")
    if result.returncode != 0:
        start = result.stdout.find("ERRORS ===") if "ERRORS ===" in result.stdout else result.stdout.find("FAILURES")
        for line in result.stdout[max(start, 0):].splitlines()[:120]:
            print("    " + line[:300])
    return result.returncode == 0


def generated_client_flow():
    client_dir = OUT / "client"
    subprocess.run([str(VENV_BIN / "openapi-python-client"), "generate", "--path", str(OUT / "openapi.json"),
                    "--output-path", str(client_dir), "--overwrite", "--config", str(HERE / "client.yaml")],
                   check=True, capture_output=True, text=True)
    sys.path.insert(0, str(client_dir))
    from sls_case_client import AuthenticatedClient
    from sls_case_client.api.applications import act_on_application, create_application, get_application_history
    from sls_case_client.api.employers import create_employer, create_headcount_return
    from sls_case_client.models import (ActionRequest, ActOnApplicationAction, CreateApplicationRequest,
                                        CreateEmployerRequest, CreateHeadcountReturnRequest, VacancyRequest)
    import datetime

    caseworker = AuthenticatedClient(base_url=BASE, token=token("caseworker"), raise_on_unexpected_status=True)
    employer = create_employer.sync(client=caseworker, body=CreateEmployerRequest(
        business_registration_number="87000002", name_en="Golden Harbour Restaurant Ltd",
        business_address="1 Harbour Road, Wan Chai"))
    employer_client = AuthenticatedClient(base_url=BASE, token=token("employer", str(employer.id)),
                                          raise_on_unexpected_status=True)
    create_headcount_return.sync(id=employer.id, client=employer_client, body=CreateHeadcountReturnRequest(
        as_of=datetime.date(2026, 1, 31), full_time_locals=10, imported_workers=0, evidence_ref="MPF statements"))
    draft = create_application.sync(client=employer_client, body=CreateApplicationRequest(
        justification="No suitable local applicants", vacancies=[VacancyRequest(
            post_title="Waiter", designated_category_code="WAITER", workers_requested=2, monthly_wage_hkd=17500,
            normal_daily_hours=9.5, duties="Serve customers", workplace_addresses=["8 Nathan Road"])]))
    submitted = act_on_application.sync(id=draft.id, action=ActOnApplicationAction.SUBMIT, client=employer_client,
                                        body=ActionRequest(comment="Submitted through the generated client"))
    history = get_application_history.sync(id=draft.id, client=caseworker)
    actions = [event.action for event in history.items]
    print(f"generated client: employer {employer.id} registered, draft {draft.id} {draft.status.value} -> "
          f"{submitted.status.value}; history {actions}")
    return submitted.status.value == "SUBMITTED" and actions == ["application.created", "application.submit"]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    ok = check_document()
    employer, application, vacancy = seed()
    env = dict(os.environ, SLS_CONTRACT_EMPLOYER=employer, SLS_CONTRACT_APPLICATION=application,
               SLS_CONTRACT_VACANCY=vacancy, SCHEMATHESIS_HOOKS=str(HERE / "hooks.py"))
    for role in ROLES:
        bearer = token(role, employer if role == "employer" else None)
        ok = schemathesis(role, bearer, env) and ok
    ok = generated_client_flow() and ok
    print("contract: " + ("every check passed" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
