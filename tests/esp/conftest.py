from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from inboxtrace.esp.config import BasicCredentials, EspSettings
from inboxtrace.store import open_store
from inboxtrace.store.core import Store
from tests.esp.keys import HttpsServer, SendGridSigner, SnsSigner, make_cert, pem
from tests.rigs.postgres import PostgresRig

MAILGUN_KEY = "key-test-signing-0123456789abcdef"


_db_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresRig]:
    with PostgresRig.start() as pg:
        yield pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Every store-writing ESP test runs on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'esp.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database(f"esp{next(_db_names)}")
    with open_store(url) as s:
        yield s


@pytest.fixture(scope="module")
def sns_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HttpsServer, SnsSigner]]:
    tmp = tmp_path_factory.mktemp("sns")
    with HttpsServer(tmp) as srv:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        srv.files["/SimpleNotificationService-test.pem"] = pem(
            make_cert("sns.amazonaws.com", key, srv.ca_key, "inboxtrace test CA")
        )
        srv.files["/confirm"] = b"<ConfirmSubscriptionResponse/>"
        yield srv, SnsSigner(key, srv.url("/SimpleNotificationService-test.pem"))


@pytest.fixture(scope="module")
def sendgrid_signer() -> SendGridSigner:
    return SendGridSigner()


@pytest.fixture
def settings(sns_server: tuple[HttpsServer, SnsSigner], sendgrid_signer: SendGridSigner) -> EspSettings:
    srv, signer = sns_server
    return EspSettings(
        ses_topic_arns=(signer.topic,),
        sns_cert_host=r"^localhost$",
        sns_ca_file=str(srv.ca_file),
        sendgrid_public_key=sendgrid_signer.public_b64,
        mailgun_signing_key=MAILGUN_KEY,
        basic={
            "postmark": BasicCredentials("pm", "pm-secret"),
            "smtp2go": BasicCredentials(token="s2g-token"),
            "sparkpost": BasicCredentials("sp", "sp-secret"),
        },
    )
