"""The mobile money clients the server holds (one per provider, sharing one HTTP session), and
the sandboxes ``serve`` runs in-process when ``NEXGATE_PAYMENTS_SANDBOX`` is true."""
from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import aiohttp

from ..config import Config, env_name
from .daraja import DarajaClient
from .daraja_sandbox import DarajaSandbox
from .mobile_money import MobileMoneyProvider
from .mobile_money_sandbox import MobileMoneySandbox
from .selcom import SelcomClient
from .selcom_sandbox import SelcomSandbox
from .tembo import TemboClient
from .tembo_sandbox import TemboSandbox


@dataclasses.dataclass(frozen=True)
class PaymentProviders:
    daraja: DarajaClient
    selcom: SelcomClient
    tembo: TemboClient

    @classmethod
    def from_config(cls, config: Config, session: aiohttp.ClientSession) -> PaymentProviders:
        return cls(
            daraja=DarajaClient.from_config(config, session), selcom=SelcomClient.from_config(config, session),
            tembo=TemboClient.from_config(config, session),
        )

    def __getitem__(self, name: str) -> MobileMoneyProvider:
        """The client of the provider called ``name`` ("daraja", ...); KeyError for another."""
        if name not in {field.name for field in dataclasses.fields(self)}:
            raise KeyError(name)
        return getattr(self, name)


def sandboxes_for(config: Config) -> list[tuple[MobileMoneySandbox, str]]:
    """Each provider's sandbox, listening where the config's base URL points and accepting the
    config's credentials, with the variable that names where it listens."""
    timing = {"answer_s": config.payments_sandbox_answer_s, "late_s": config.payments_sandbox_late_s}
    daraja = DarajaSandbox(
        consumer_key=config.daraja_consumer_key, consumer_secret=config.daraja_consumer_secret,
        shortcode=config.daraja_shortcode, passkey=config.daraja_passkey, b2c_shortcode=config.daraja_b2c_shortcode,
        initiator_name=config.daraja_initiator_name, initiator_password=config.daraja_initiator_password,
        **_listening(config.daraja_base_url), **timing,
    )
    selcom = SelcomSandbox(
        api_key=config.selcom_api_key, api_secret=config.selcom_api_secret, vendor=config.selcom_vendor,
        pin=config.selcom_pin, **_listening(config.selcom_base_url), **timing,
    )
    tembo = TemboSandbox(
        account_id=config.tembo_account_id, secret_key=config.tembo_secret_key, payout_account=config.tembo_payout_account,
        **_listening(config.tembo_base_url), **timing,
    )
    return [(daraja, env_name("daraja_base_url")), (selcom, env_name("selcom_base_url")), (tembo, env_name("tembo_base_url"))]


def _listening(url: str) -> dict:
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": parts.port or (443 if parts.scheme == "https" else 80)}
