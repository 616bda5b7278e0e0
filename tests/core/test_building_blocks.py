from decimal import Decimal

import pytest

from retino_core.money import Money, quantize_amount, to_decimal
from retino_core.platforms.interface import CaseStatusUpdate, RefundRequest, RefundResult, WebhookDelivery
from retino_core.platforms.registry import AdapterRegistry
from retino_core.storage import FileNotInStorage, LocalFolderStorage
from retino_core.text import fold, search_blob


def test_amounts_refuse_floats_and_keep_cents():
    assert to_decimal("499.90") == Decimal("499.90")
    assert to_decimal(3) == Decimal("3")
    with pytest.raises(TypeError):
        to_decimal(0.1)
    assert quantize_amount(Decimal("2.345")) == Decimal("2.35")


def test_money_needs_decimal_and_one_currency():
    assert Money(Decimal("1.10"), "CZK") + Money(Decimal("2.20"), "CZK") == Money(Decimal("3.30"), "CZK")
    assert str(Money(Decimal("3.3"), "EUR")) == "3.30 EUR"
    with pytest.raises(TypeError):
        Money(1.1, "CZK")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot add EUR to CZK"):
        Money(Decimal("1"), "CZK") + Money(Decimal("1"), "EUR")


def test_fold_strips_diacritics_for_search():
    assert fold("Řeháková ŽLUŤOUČKÝ Wiśniewski Nagyová Größe") == "rehakova zlutoucky wisniewski nagyova grosse"
    assert search_blob("R00001", None, "Petr Dvořák", "") == "r00001 petr dvorak"


class _Adapter:
    platform = "fake"

    def __init__(self, shop: str) -> None:
        self.shop = shop

    def fetch_order(self, external_id: str):
        raise LookupError(external_id)

    def issue_refund(self, request: RefundRequest) -> RefundResult:
        return RefundResult(is_success=False, message="no money here")

    def push_case_status(self, update: CaseStatusUpdate) -> None:
        return None

    def verify_webhook(self, delivery: WebhookDelivery) -> bool:
        return False


def test_registry_creates_registered_adapters_and_refuses_twins():
    registry = AdapterRegistry()
    registry.register("fake", _Adapter)
    adapter = registry.create("fake", shop="222651")
    assert adapter.shop == "222651"
    assert registry.platforms == ("fake",)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("fake", _Adapter)
    with pytest.raises(LookupError, match="no adapter registered for 'shoptet'"):
        registry.create("shoptet")


def test_local_storage_keys_are_random_and_cannot_escape(tmp_path):
    storage = LocalFolderStorage(tmp_path)
    key = storage.save(b"data", suffix=".PNG")
    assert key.endswith(".png")
    assert len(key) == 36
    assert storage.read(key) == b"data"
    assert storage.save(b"x", suffix="../../etc").count(".") == 0
    for hostile in ("../secret", "a/b", ".hidden", ""):
        with pytest.raises(FileNotInStorage):
            storage.read(hostile)
    storage.delete(key)
    with pytest.raises(FileNotInStorage):
        storage.read(key)
