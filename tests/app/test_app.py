import pytest
from flask import Flask

from marketplace_app import create_app
from marketplace_app.demo import build_demo
from retino_core.accounts.credentials import CredentialCipher
from retino_core.cases.errors import CaseError, CaseErrorCode
from retino_core.config import DEVELOPMENT_SECRET_KEY, Settings, SettingsError
from retino_core.errors import ErrorKind


def test_home_page_shows_the_demo_merchant(client, session_factory, settings):
    with session_factory() as session:
        build_demo(session, CredentialCipher(settings.secret_key))
        session.commit()
    response = client.get("/?lang=cs")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Jádro pro vratky běží" in body
    assert "Tričkárna s.r.o." in body
    assert "Koszulkarnia na Allegro" in body
    assert "44" in body


def test_home_page_without_accounts_explains_how_to_load_the_demo(client):
    body = client.get("/?lang=en").get_data(as_text=True)
    assert "No merchant account yet. Load the demo with: retino load-demo" in body


def test_health_check_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok"}


def test_health_check_reports_redis_when_configured(settings, engine, redis_url):
    app = create_app(settings.with_overrides(redis_url=redis_url))
    try:
        assert app.test_client().get("/healthz").get_json() == {"database": "ok", "redis": "ok"}
    finally:
        app.extensions["retino_runtime"].close()


def test_health_check_fails_when_redis_is_down(settings, engine):
    app = create_app(settings.with_overrides(redis_url="redis://127.0.0.1:1/0"))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"database": "ok", "redis": "error: ConnectionError"}
    finally:
        app.extensions["retino_runtime"].close()


def _app_raising(app: Flask, error: Exception) -> Flask:
    app.add_url_rule("/api/raise", "raise", lambda: (_ for _ in ()).throw(error))
    app.add_url_rule("/raise", "raise_html", lambda: (_ for _ in ()).throw(error))
    return app


def test_domain_errors_become_translated_4xx_json(app):
    error = CaseError(CaseErrorCode.case_not_found, "This case does not exist.", kind=ErrorKind.not_found)
    client = _app_raising(app, error).test_client()
    response = client.get("/api/raise", headers={"Accept-Language": "cs"})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "case_not_found", "message": "Tento případ neexistuje."}}


def test_domain_error_parameters_and_fields_survive_translation(app):
    error = CaseError(
        CaseErrorCode.quantity_exceeds_order,
        "You can claim at most %(available)s of %(name)s.",
        available="2",
        name="Tričko",
        field_errors={"items": ["Too many."]},
    )
    client = _app_raising(app, error).test_client()
    response = client.get("/api/raise", headers={"Accept-Language": "cs"})
    assert response.status_code == 422
    assert response.get_json() == {
        "error": {
            "code": "quantity_exceeds_order",
            "message": "Z položky Tričko můžete uplatnit nejvýše 2.",
            "fields": {"items": ["Too many."]},
        }
    }
    html = client.get("/raise", headers={"Accept-Language": "en"})
    assert html.status_code == 422
    assert "You can claim at most 2 of Tričko." in html.get_data(as_text=True)


def test_unknown_page_is_a_404_page(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "<h1>404</h1>" in response.get_data(as_text=True)


def test_production_refuses_the_development_secret():
    with pytest.raises(SettingsError) as raised:
        Settings(environment="production", secret_key=DEVELOPMENT_SECRET_KEY).validate()
    assert str(raised.value) == "RETINO_SECRET_KEY must be set to a long random value in production"


def test_settings_come_from_retino_variables():
    settings = Settings.from_env(
        {
            "RETINO_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "RETINO_REDIS_URL": "redis://r:6379/1",
            "RETINO_PUBLIC_BASE_URL": "https://returns.example.com/",
            "RETINO_ENVIRONMENT": "production",
            "RETINO_SECRET_KEY": "s" * 40,
            "RETINO_OUTBOX_STALE_SECONDS": "90",
        }
    )
    assert (settings.database_url, settings.redis_url, settings.public_base_url) == (
        "postgresql+psycopg://u@h/db",
        "redis://r:6379/1",
        "https://returns.example.com",
    )
    assert settings.outbox_stale_seconds == 90
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"RETINO_OUTBOX_STALE_SECONDS": "soon"}, "RETINO_OUTBOX_STALE_SECONDS must be a whole number, got 'soon'"),
        (
            {"RETINO_ENVIRONMENT": "staging"},
            "RETINO_ENVIRONMENT must be development, production or testing, got 'staging'",
        ),
        (
            {"RETINO_PUBLIC_BASE_URL": "returns.example.com"},
            "RETINO_PUBLIC_BASE_URL must start with http:// or https://",
        ),
        ({"RETINO_MAIL_SENDER": "nobody"}, "RETINO_MAIL_SENDER must be an e-mail address"),
    ],
)
def test_bad_settings_fail_at_start_up_with_a_clear_message(environ, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ)
    assert str(raised.value) == message


def test_production_home_page_shows_no_tenant_data(settings, engine, session_factory):
    with session_factory() as session:
        build_demo(session, CredentialCipher(settings.secret_key))
        session.commit()
    app = create_app(settings.with_overrides(environment="production"))
    try:
        body = app.test_client().get("/?lang=en").get_data(as_text=True)
    finally:
        app.extensions["retino_runtime"].close()
    assert "The returns core is running" in body
    assert "Tričkárna" not in body
    assert "retino load-demo" not in body
