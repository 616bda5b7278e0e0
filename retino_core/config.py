"""Settings read once from ``RETINO_*`` environment variables into one typed object.

Core code receives a ``Settings`` (or narrow values from it), never a framework config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105


class SettingsError(ValueError):
    """A setting is missing or malformed; raised at start-up, never later."""


def parse_boolean(value: str) -> bool:
    normalised = value.strip().lower()
    if normalised in {"1", "true", "yes", "on"}:
        return True
    if normalised in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"not a boolean: {value!r}")


def parse_positive_int(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {value!r}") from None
    if number <= 0:
        raise SettingsError(f"{name} must be positive, got {number}")
    return number


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL; the embedded default is a SQLite file under instance/.
    database_url: str = ""
    #: Redis URL for rq queues; empty runs jobs in-process right after commit.
    redis_url: str = ""
    #: Signs sessions and derives the key that encrypts channel credentials.
    secret_key: str = DEVELOPMENT_SECRET_KEY
    #: Public base URL of this installation, used in e-mails and storefront links.
    public_base_url: str = "http://127.0.0.1:5000"
    #: smtp://user:password@host:port (smtps:// for TLS, ?starttls=1 for STARTTLS); empty writes mail to a folder.
    smtp_url: str = ""
    #: Default From address of outgoing e-mail; the account's sender name is put in front of it.
    mail_sender: str = "returns@localhost"
    #: Folder for attachments, documents and the embedded mail outbox.
    storage_folder: str = ""
    #: Folder for the SQLite database and default storage.
    instance_folder: str = "instance"
    #: production refuses the development secret; development allows it.
    environment: str = "development"
    #: Prefix of rq queue names, so that several installations (or test runs) can share one Redis.
    queue_prefix: str = "retino"
    #: Seconds after which the sweeper re-enqueues an outbox job that no worker has finished.
    outbox_stale_seconds: int = 60
    #: Orders of the last this many days are imported when a channel is installed or connected.
    platform_import_days: int = 90
    #: Our Shoptet add-on's OAuth server (``https://<partner shop>/action/ApiOAuthServer``) and client,
    #: as shown in Shoptet's partner admin; empty disables the Shoptet install URL.
    shoptet_oauth_url: str = ""
    shoptet_client_id: str = ""
    shoptet_client_secret: str = ""
    #: The Shoptet API; changed only to route through a proxy or to a test peer.
    shoptet_api_url: str = "https://api.myshoptet.com"
    #: Our Allegro application's client (apps.developer.allegro.pl); empty disables connecting Allegro.
    allegro_client_id: str = ""
    allegro_client_secret: str = ""
    #: ``production`` (allegro.pl) or ``sandbox`` (allegro.pl.allegrosandbox.pl).
    allegro_environment: str = "production"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.instance_folder).resolve() / 'retino.sqlite3'}"

    @property
    def resolved_storage_folder(self) -> Path:
        if self.storage_folder:
            return Path(self.storage_folder).resolve()
        return Path(self.instance_folder).resolve() / "files"

    def validate(self) -> Settings:
        """Fail at start-up with a clear message instead of at the first request."""
        if self.environment not in {"development", "production", "testing"}:
            raise SettingsError(
                f"RETINO_ENVIRONMENT must be development, production or testing, got {self.environment!r}"
            )
        if self.is_production and (not self.secret_key or self.secret_key == DEVELOPMENT_SECRET_KEY):
            raise SettingsError("RETINO_SECRET_KEY must be set to a long random value in production")
        if self.is_production and len(self.secret_key) < 32:
            raise SettingsError("RETINO_SECRET_KEY must be at least 32 characters in production")
        if not self.public_base_url.startswith(("http://", "https://")):
            raise SettingsError("RETINO_PUBLIC_BASE_URL must start with http:// or https://")
        if self.allegro_environment not in {"production", "sandbox"}:
            raise SettingsError(
                f"RETINO_ALLEGRO_ENVIRONMENT must be production or sandbox, got {self.allegro_environment!r}"
            )
        if self.shoptet_oauth_url and not self.shoptet_oauth_url.startswith(("http://", "https://")):
            raise SettingsError("RETINO_SHOPTET_OAUTH_URL must start with http:// or https://")
        if "@" not in self.mail_sender:
            raise SettingsError("RETINO_MAIL_SENDER must be an e-mail address")
        return self

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()

        def read(name: str, default: str) -> str:
            return env.get(f"RETINO_{name}", default)

        return cls(
            database_url=read("DATABASE_URL", ""),
            redis_url=read("REDIS_URL", ""),
            secret_key=read("SECRET_KEY", defaults.secret_key),
            public_base_url=read("PUBLIC_BASE_URL", defaults.public_base_url).rstrip("/"),
            smtp_url=read("SMTP_URL", ""),
            mail_sender=read("MAIL_SENDER", defaults.mail_sender),
            storage_folder=read("STORAGE_FOLDER", ""),
            instance_folder=read("INSTANCE_FOLDER", defaults.instance_folder),
            environment=read("ENVIRONMENT", defaults.environment),
            queue_prefix=read("QUEUE_PREFIX", defaults.queue_prefix),
            outbox_stale_seconds=parse_positive_int(
                read("OUTBOX_STALE_SECONDS", str(defaults.outbox_stale_seconds)), "RETINO_OUTBOX_STALE_SECONDS"
            ),
            platform_import_days=parse_positive_int(
                read("PLATFORM_IMPORT_DAYS", str(defaults.platform_import_days)), "RETINO_PLATFORM_IMPORT_DAYS"
            ),
            shoptet_oauth_url=read("SHOPTET_OAUTH_URL", "").rstrip("/"),
            shoptet_client_id=read("SHOPTET_CLIENT_ID", ""),
            shoptet_client_secret=read("SHOPTET_CLIENT_SECRET", ""),
            shoptet_api_url=read("SHOPTET_API_URL", defaults.shoptet_api_url).rstrip("/"),
            allegro_client_id=read("ALLEGRO_CLIENT_ID", ""),
            allegro_client_secret=read("ALLEGRO_CLIENT_SECRET", ""),
            allegro_environment=read("ALLEGRO_ENVIRONMENT", defaults.allegro_environment),
        ).validate()


#: Key in ``Session.info`` under which a Runtime's sessions carry the settings (for links in e-mails).
SETTINGS_INFO_KEY = "retino_settings"


def settings_for(session_info: Mapping[str, object]) -> Settings:
    """The settings a session was built with; a session built without a Runtime cannot send mail."""
    settings = session_info.get(SETTINGS_INFO_KEY)
    if not isinstance(settings, Settings):
        raise RuntimeError("this session was not built by a Runtime, so it has no settings to send mail with")
    return settings
