"""Configuration, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.config import Config

config = Config(".env" if Path(".env").exists() else None)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = PROJECT_ROOT / "templates"

DATA_DIR = Path(config("REVIEW_DATA_DIR", default=str(PROJECT_ROOT / "data")))
# sqlite:///path/to/file.db or postgresql://user@host:port/db
DATABASE_URL: str = config("DATABASE_URL", default="")
# Connections each process keeps to PostgreSQL; a few per core serve best (more only add switching).
DB_POOL_SIZE: int = config("DB_POOL_SIZE", cast=int, default=8)
REDIS_URL: str = config("REDIS_URL", default="")
DEMO_MODE: bool = config("REVIEW_DEMO", cast=bool, default=False)
# Cookies are Secure unless explicitly serving plain HTTP on localhost (the demo).
COOKIE_SECURE: bool = config("COOKIE_SECURE", cast=bool, default=True)


def _hours(name: str, default: float) -> float:
    value: float = config(name, cast=float, default=default)
    if not 0 < value <= 24 * 366:
        raise ValueError(f"{name} 应为大于 0、不超过 8784 的小时数，现为 {value}")
    return value


# How long a web login, an API token and a complainant's tracking token last, in hours (fractions allowed).
SESSION_LIFETIME_HOURS = _hours("SESSION_LIFETIME_HOURS", 12)
API_TOKEN_LIFETIME_HOURS = _hours("API_TOKEN_LIFETIME_HOURS", 7 * 24)
TRACK_TOKEN_LIFETIME_HOURS = _hours("TRACK_TOKEN_LIFETIME_HOURS", 2)
# The key that signs the forms' pre-login CSRF tokens; the same in every web process. Unset: a random key
# made once in REVIEW_DATA_DIR/secret_key.
SECRET_KEY: str = config("SECRET_KEY", default="")
# Case pages each process keeps as rendered (about 10 KB each); 0 renders every view afresh.
CASE_PAGES_KEPT: int = config("CASE_PAGES_KEPT", cast=int, default=1_000)
TEMPLATES_AUTO_RELOAD: bool = config("TEMPLATES_AUTO_RELOAD", cast=bool, default=False)
PUBLIC_BASE_URL: str = config("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Wrong guesses one client address may make before it is refused (429) until the window frees one.
TRACK_FAILURES_PER_CLIENT: str = config("TRACK_FAILURES_PER_CLIENT", default="30/hour")
LOGIN_FAILURES_PER_CLIENT: str = config("LOGIN_FAILURES_PER_CLIENT", default="20/minute")
# Wrong guesses on one case or account before every attempt on it waits (never refused): FAILURE_DELAY_FIRST
# seconds, doubling with each further failure, up to FAILURE_DELAY_MAX.
TRACK_FAILURES_PER_CASE: str = config("TRACK_FAILURES_PER_CASE", default="10/hour")
LOGIN_FAILURES_PER_ACCOUNT: str = config("LOGIN_FAILURES_PER_ACCOUNT", default="5/15minutes")
FAILURE_DELAY_FIRST: float = config("FAILURE_DELAY_FIRST", cast=float, default=0.25)
FAILURE_DELAY_MAX: float = config("FAILURE_DELAY_MAX", cast=float, default=4.0)
# Office accounts must use a second factor (TOTP): one without it sets it up right after the password.
OFFICE_TOTP_REQUIRED: bool = config("OFFICE_TOTP_REQUIRED", cast=bool, default=False)
# How long a link to set a password (a new login's, or after a reset) stays valid, in hours.
INVITATION_LIFETIME_HOURS = _hours("INVITATION_LIFETIME_HOURS", 72)
# Addresses or networks (comma-separated, e.g. "10.0.0.5, 172.16.0.0/12"; "*" for any) of the proxies whose
# X-Forwarded-For and X-Forwarded-Proto are believed; unset: none, the connection's peer is the client.
FORWARDED_ALLOW_IPS: str = config("FORWARDED_ALLOW_IPS", default="")
# Bytes a request body may carry, counted as it streams in (413 beyond): any body (JSON, forms) unless its
# route declares otherwise; multipart uploads; a PDF sent to the public verdict check (/verify).
REQUEST_BODY_LIMIT: int = config("REQUEST_BODY_LIMIT", cast=int, default=1024 * 1024)
UPLOAD_BODY_LIMIT: int = config("UPLOAD_BODY_LIMIT", cast=int, default=20 * 1024 * 1024)
VERIFY_BODY_LIMIT: int = config("VERIFY_BODY_LIMIT", cast=int, default=10 * 1024 * 1024)
# Threads that hash and check passwords (Argon2), off the event loop; logins beyond this many wait their turn.
PASSWORD_HASH_THREADS: int = config("PASSWORD_HASH_THREADS", cast=int, default=max(1, (os.cpu_count() or 2) // 2))
# Password checks a process lets wait for those threads; past this a login is answered 429 at once.
PASSWORD_HASH_QUEUE: int = config("PASSWORD_HASH_QUEUE", cast=int, default=64)
# Seats a local resident may hold above the average load of residents before yielding to residents from
# other districts (panels.domain.draw, rule 2); recorded with every draw and published on its record.
PANEL_LOAD_MARGIN: float = config("PANEL_LOAD_MARGIN", cast=float, default=2)
if not 0 <= PANEL_LOAD_MARGIN <= 1000:
    raise ValueError(f"PANEL_LOAD_MARGIN 应为 0 至 1000 之间的数，现为 {PANEL_LOAD_MARGIN}")

# 部门绩效考核: a department with fewer cases handled (受理量) in a period is shown in the league table, not ranked.
ASSESSMENT_MIN_HANDLED: int = config("ASSESSMENT_MIN_HANDLED", cast=int, default=30)
if not 0 <= ASSESSMENT_MIN_HANDLED <= 1_000_000:
    raise ValueError(f"ASSESSMENT_MIN_HANDLED 应为 0 至 1000000 之间的整数，现为 {ASSESSMENT_MIN_HANDLED}")

def _days(name: str, default: int) -> int:
    value: int = config(name, cast=int, default=default)
    if not 1 <= value <= 366:
        raise ValueError(f"{name} 应为 1 至 366 之间的整数天数，现为 {value}")
    return value


# Mediation's clock: its first session within this many working days of opening, its end within this many
# calendar days (unless the office extends it with a reason).
MEDIATION_START_WORKDAYS = _days("MEDIATION_START_WORKDAYS", 10)
MEDIATION_END_DAYS = _days("MEDIATION_END_DAYS", 30)
# The live room: characters a message may hold, and messages one participant may post (a `limits` rate).
MEDIATION_MESSAGE_MAX_CHARS: int = config("MEDIATION_MESSAGE_MAX_CHARS", cast=int, default=2000)
MEDIATION_MESSAGE_RATE: str = config("MEDIATION_MESSAGE_RATE", default="20/minute")
# Reminders before each mediation session, as offsets before its start ("2d,2h": two days and two hours before;
# units d, h, m); one reminder per invitee and offset, shown on the invitee's page and in the API.
MEDIATION_REMINDERS_TEXT: str = config("MEDIATION_REMINDERS", default="2d,2h")


def _offsets(name: str, text: str) -> tuple[int, ...]:
    """Offsets such as "2d,2h" as minutes, longest first; an empty text means no reminders."""
    units = {"d": 24 * 60, "h": 60, "m": 1}
    found: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        amount, unit = part[:-1], part[-1:]
        if unit not in units or not amount.isdigit() or not 0 < int(amount) * units[unit] <= 30 * 24 * 60:
            raise ValueError(f"{name} 应为逗号分隔的提前量（如 2d,2h：提前 2 天、2 小时；单位 d、h、m，至多 30 天），"
                             f"现为 {text!r}")
        found.add(int(amount) * units[unit])
    return tuple(sorted(found, reverse=True))


MEDIATION_REMINDERS: tuple[int, ...] = _offsets("MEDIATION_REMINDERS", MEDIATION_REMINDERS_TEXT)
# Whether the seated panel chair may open mediation on the case (the office always may).
MEDIATION_CHAIR_MAY_OPEN: bool = config("MEDIATION_CHAIR_MAY_OPEN", cast=bool, default=False)
# The room's socket: seconds between its heartbeats (presence renewed, access re-checked: a socket whose mediation
# ended or whose access was withdrawn closes with 1008 within this), and bytes a frame from the client may hold
# (larger closes with 1009; the client only sends heartbeats). The no-JavaScript page refreshes itself this often.
MEDIATION_SOCKET_HEARTBEAT: float = config("MEDIATION_SOCKET_HEARTBEAT", cast=float, default=10.0)
MEDIATION_SOCKET_MAX_FRAME: int = config("MEDIATION_SOCKET_MAX_FRAME", cast=int, default=4096)
MEDIATION_PAGE_REFRESH: int = config("MEDIATION_PAGE_REFRESH", cast=int, default=20)
# Characters the mediation agreement's draft may hold (调解协议).
MEDIATION_AGREEMENT_MAX_CHARS: int = config("MEDIATION_AGREEMENT_MAX_CHARS", cast=int, default=20000)
# Seconds a verdict render and a bulk issuance may run before arq fails them (and retries a render whose worker
# died once this has passed).
VERDICT_RENDER_TIMEOUT: int = config("VERDICT_RENDER_TIMEOUT", cast=int, default=60)
VERDICT_BULK_TIMEOUT: int = config("VERDICT_BULK_TIMEOUT", cast=int, default=1800)
# Niceness added to background processes (workers, verdict renders, `review import-cases`) so that on a busy
# machine pages are served first; 0 leaves them at the serving processes' priority.
BACKGROUND_NICE: int = config("BACKGROUND_NICE", cast=int, default=10)
# Processes that render verdict PDFs for jobs run inside the web process (no REDIS_URL); 0 renders on a thread
# of the web process itself.
VERDICT_RENDER_PROCESSES: int = config("VERDICT_RENDER_PROCESSES", cast=int, default=1)
# The office's key and certificate (PEM or DER) that sign verdict PDFs; unset: a self-signed demonstration
# certificate made once under REVIEW_DATA_DIR/signing/.
VERDICT_SIGNING_KEY: str = config("VERDICT_SIGNING_KEY", default="")
VERDICT_SIGNING_CERT: str = config("VERDICT_SIGNING_CERT", default="")
VERDICT_SIGNING_KEY_PASSPHRASE: str = config("VERDICT_SIGNING_KEY_PASSPHRASE", default="")

# Imported tables (cases, roster, holiday notices): refused with 413 past any of these, before they are read whole.
IMPORT_MAX_BYTES: int = config("IMPORT_MAX_BYTES", cast=int, default=20 * 1024 * 1024)
IMPORT_MAX_ROWS: int = config("IMPORT_MAX_ROWS", cast=int, default=100_000)
IMPORT_MAX_CELLS: int = config("IMPORT_MAX_CELLS", cast=int, default=2_000_000)
ROSTER_MAX_ROWS: int = config("ROSTER_MAX_ROWS", cast=int, default=20_000)
# An uploaded table larger than this is imported by a job, with a progress page, rather than while the office waits.
IMPORT_JOB_BYTES: int = config("IMPORT_JOB_BYTES", cast=int, default=256 * 1024)


# Notifications (通知). E-mail goes by SMTP only once SMTP_HOST is set; SMTP_TLS: "" (plain), "starttls" or "tls".
SMTP_HOST: str = config("SMTP_HOST", default="")
SMTP_PORT: int = config("SMTP_PORT", cast=int, default=25)
SMTP_FROM: str = config("SMTP_FROM", default="review@localhost")
SMTP_USER: str = config("SMTP_USER", default="")
SMTP_PASSWORD: str = config("SMTP_PASSWORD", default="")
SMTP_TLS: str = config("SMTP_TLS", default="")
SMTP_TIMEOUT: float = config("SMTP_TIMEOUT", cast=float, default=20.0)
# SMS: POSTed as JSON to SMS_GATEWAY_URL with SMS_GATEWAY_KEY (README, 通知); unset: each SMS is only logged.
SMS_GATEWAY_URL: str = config("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY: str = config("SMS_GATEWAY_KEY", default="")
# Office usernames (comma-separated) that escalations to the office's head (评议办负责人) go to; unset: all office.
OFFICE_HEADS: str = config("OFFICE_HEADS", default="")

# Webhooks (推送). Plain http endpoints only when WEBHOOK_ALLOW_HTTP (tests); WEBHOOK_ALLOWED_NETWORKS lists the
# internal addresses or networks a receiver may resolve to (comma-separated), which are otherwise refused.
WEBHOOK_ALLOW_HTTP: bool = config("WEBHOOK_ALLOW_HTTP", cast=bool, default=False)
WEBHOOK_ALLOWED_NETWORKS: str = config("WEBHOOK_ALLOWED_NETWORKS", default="")
# Seconds a receiver has to answer; days the delivery log is kept; days of nothing but failures before an endpoint
# is disabled; hours the previous secret keeps signing after a rotation.
WEBHOOK_TIMEOUT: float = config("WEBHOOK_TIMEOUT", cast=float, default=15.0)
WEBHOOK_LOG_DAYS = _days("WEBHOOK_LOG_DAYS", 30)
WEBHOOK_FAILING_DAYS = _days("WEBHOOK_FAILING_DAYS", 5)
WEBHOOK_ROTATION_OVERLAP_HOURS = _hours("WEBHOOK_ROTATION_OVERLAP_HOURS", 24)
# Multiplies every wait of the retry schedule (a benchmark or a test shortens them; 1 in production).
WEBHOOK_RETRY_SCALE: float = config("WEBHOOK_RETRY_SCALE", cast=float, default=1.0)


def database_url() -> str:
    """The configured database, defaulting to a SQLite file in the data folder."""
    return DATABASE_URL or f"sqlite:///{DATA_DIR / 'review.db'}"


def verdict_dir() -> Path:
    return DATA_DIR / "verdicts"
