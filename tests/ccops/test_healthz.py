import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_ok_eager(client):
    body = client.get("/healthz")
    assert body.status_code == 200
    assert body.json()["database"] == "ok"
    assert body.json()["broker"] == "eager"
    assert body.json()["version"]


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_503_when_broker_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error: ConnectionError")
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_healthz_503_when_database_down(client, monkeypatch):
    from ccops import views

    def broken():
        raise RuntimeError("db gone")

    class Conn:
        def cursor(self):
            broken()

    monkeypatch.setattr(views, "connection", Conn())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: RuntimeError: db gone"
