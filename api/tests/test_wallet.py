from payments.services import wallet_topup
from payments.tests.factories import order_place
from shop.tests.factories import PASSWORD


def test_a_new_shoppers_wallet_is_empty(api, shopper):
    response = api(shopper).get("/api/wallet/")

    assert response.status_code == 200
    assert response.json() == {"balance": "0.00", "currency": "CNY"}


def test_the_wallet_shows_the_balance_and_its_ledger_newest_first(
    api, funded_shopper, other_shopper, product
):
    from payments.services import payment_confirm_with_password

    order = order_place(user=funded_shopper, items={product: 2})
    payment_confirm_with_password(
        payment=order.payment, user=funded_shopper, password=PASSWORD
    )
    wallet_topup(user=other_shopper, amount="5.00")
    ada = api(funded_shopper)

    wallet = ada.get("/api/wallet/").json()
    entries = ada.get("/api/wallet/entries/").json()

    assert wallet == {"balance": "949.00", "currency": "CNY"}
    assert entries["count"] == 2
    assert [
        (e["kind"], e["amount"], e["balance_after"], e["memo"])
        for e in entries["results"]
    ] == [
        ("payment", "-51.00", "949.00", f"Order {order.number}"),
        ("topup", "1000.00", "1000.00", ""),  # no memo given
    ]


def test_ledger_entries_are_paged(api, shopper):
    for _ in range(7):
        wallet_topup(user=shopper, amount="1.00")

    page = api(shopper).get("/api/wallet/entries/", {"page_size": 5, "page": 2}).json()

    assert page["count"] == 7
    assert [e["balance_after"] for e in page["results"]] == ["2.00", "1.00"]
