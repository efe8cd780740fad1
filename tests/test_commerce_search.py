"""Product and shop search through the real app: words in the name, the shop's name and handle,
the category (English and Swahili) and the description, prefixes and misspellings; the filters
(category with its subtree, price range, condition, shop, in stock, location); the sorts and
their cursor pages; only active products of open shops; blocks either way; the search rows kept
by the database as products, variants, shops and categories change; every refusal."""
from __future__ import annotations

import itertools
import uuid

from tests.support.commerce import call, open_shop, rows, set_state
from tests.support.users import block, user
from tests.test_users_verification import moderator

_skus = itertools.count(1)


def _word() -> str:
    """A word no other test's products hold (letters only: digits would match as words too)."""
    return "zq" + "".join("abcdefghijklmnopqrstuvwxyz"[int(c, 16) % 26] for c in uuid.uuid4().hex[:8])


async def _product(client, shop: dict, name: str, *, description: str | None = None, category: str | None = None,
                   condition: str = "new", state: str = "active", prices: tuple[int, ...] = (100_000,),
                   stock: int = 5) -> str:
    """A product of the shop with one variant per price, as the catalogue stores it (search reads
    what the catalogue wrote; the rows are written here as its SQL writes them)."""
    product_id = uuid.uuid4()
    await rows(client, """
        INSERT INTO products (id, shop_id, category_id, name, description, condition, state, currency, published_at)
        VALUES ($1, $2, (SELECT id FROM product_categories WHERE slug = $3), $4, $5, $6, $7, 'TZS',
                CASE WHEN $7 = 'active' THEN clock_timestamp() END)""",
               product_id, uuid.UUID(shop["id"]), category, name, description, condition, state)
    for position, price in enumerate(prices):
        await rows(client, """
            INSERT INTO product_variants (id, product_id, shop_id, sku, options, price, stock_on_hand, position)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                   uuid.uuid4(), product_id, uuid.UUID(shop["id"]), f"SKU-{next(_skus)}-{uuid.uuid4().hex[:6]}",
                   {"n": str(position)}, price, stock, position)
    return str(product_id)


async def _search(client, tokens: dict | None = None, *, expect: int = 200, **params) -> dict:
    params = {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in params.items()}
    return await call(client, "GET", "/api/products/search", tokens, expect, params=params)


async def _ids(client, tokens: dict | None = None, **params) -> list[str]:
    return [item["id"] for item in (await _search(client, tokens, limit=100, **params))["items"]]


async def _all_pages(client, tokens: dict | None = None, *, limit: int = 2, **params) -> list[str]:
    found, cursor = [], None
    while True:
        page = await _search(client, tokens, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        found += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


# words

async def test_words_are_found_in_the_name_shop_handle_category_and_description_as_prefixes(client):
    amina = await user(client)
    word = _word()
    shop = await open_shop(client, amina, name=f"Duka la {word}shop", location={"region": "Arusha", "city": "Usa"})
    by_handle = await open_shop(client, amina, handle=f"{word}_handle"[:30])
    named = await _product(client, shop, f"Simu {word}phone Samsung", category="phones")
    described = await _product(client, by_handle, "Kitenge", description=f"Pamba safi {word}cotton")
    assert await _ids(client, q=f"{word}phone") == [named]
    assert await _ids(client, q=f"{word}pho") == [named]  # a prefix
    assert await _ids(client, q=f"samsung {word}ph") == [named]  # every word, in any order
    assert await _ids(client, q=f"{word}cotton") == [described]
    assert await _ids(client, q=f"{word}shop") == [named]  # the shop's name
    assert await _ids(client, q=f"{word}_handle"[:30]) == [described]  # the shop's handle
    assert named in await _ids(client, q=f"{word}phone simu tableti")  # the category's Swahili name
    assert named in await _ids(client, q=f"{word}phone electronics")  # and its parent's
    [card] = (await _search(client, q=f"{word}phone"))["items"]
    assert card["name"] == f"Simu {word}phone Samsung" and card["condition"] == "new"
    assert card["price"] == {"amount": 100_000, "currency": "TZS"} and card["in_stock"] is True
    assert card["rating"] == {"average": None, "count": 0} and card["image"] is None
    assert card["shop"] == {"id": shop["id"], "handle": shop["handle"], "name": shop["name"],
                            "logo_media_id": None, "location": {"region": "Arusha", "city": "Usa"}}


async def test_a_misspelt_word_finds_similar_names_only_when_nothing_matches_exactly(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    word = _word()
    found = await _product(client, shop, f"{word}kanga")
    misspelt = word[:-1] + ("a" if word[-1] != "a" else "b") + "kanga"
    assert await _ids(client, q=misspelt) == [found]
    other = await _product(client, shop, misspelt)  # now something holds the word exactly: only it
    assert await _ids(client, q=misspelt) == [other]


async def test_only_the_misspelt_word_of_several_is_corrected_and_a_right_prefix_stays_a_prefix(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    right, wrong = _word(), _word()
    both = await _product(client, shop, f"{right} {wrong}")
    alone = await _product(client, shop, f"{right} {_word()}")  # the right word alone
    typo = wrong[:3] + wrong[4] + wrong[3] + wrong[5:]
    assert await _ids(client, q=f"{right} {typo}") == [both]
    # a prefix of a word products have is no typo, though another word is more alike to it
    closer = await _product(client, shop, f"{right[:6]}q")
    assert set(await _ids(client, q=right[:6])) == {both, alone, closer}


async def test_name_matches_rank_above_description_matches(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    word = _word()
    in_description = await _product(client, shop, "Mkeka", description=f"{word} bora")
    in_name = await _product(client, shop, f"{word} bora")
    assert await _ids(client, q=word) == [in_name, in_description]
    assert await _all_pages(client, q=word, limit=1) == [in_name, in_description]


async def test_only_active_products_of_open_shops_with_a_price_are_listed(client):
    amina, mod = await user(client), await moderator(client)
    shop, closed = await open_shop(client, amina), await open_shop(client, amina)
    word = _word()
    listed = await _product(client, shop, f"{word} listed")
    await _product(client, shop, f"{word} draft", state="draft")
    await _product(client, shop, f"{word} archived", state="archived")
    await _product(client, shop, f"{word} unpriced", prices=())
    in_closed = await _product(client, closed, f"{word} closed")
    assert await _ids(client, q=word) == [listed, in_closed] or await _ids(client, q=word) == [in_closed, listed]
    await set_state(client, amina, closed["id"], "closed")
    assert await _ids(client, q=word) == [listed]
    await set_state(client, amina, closed["id"], "open")
    assert sorted(await _ids(client, q=word)) == sorted([listed, in_closed])
    await call(client, "POST", f"/api/admin/shops/{closed['id']}/suspend", mod, 200, json={"reason": "Fakes"})
    assert await _ids(client, q=word) == [listed]
    await rows(client, "UPDATE products SET state = 'archived' WHERE id = $1", uuid.UUID(listed))
    assert await _ids(client, q=word) == []


async def test_products_of_an_owner_blocked_either_way_never_appear(client):
    amina, baraka, chausiku = await user(client), await user(client), await user(client)
    word = _word()
    hers = await _product(client, await open_shop(client, amina), f"{word} hers")
    theirs = await _product(client, await open_shop(client, chausiku), f"{word} theirs")
    assert sorted(await _ids(client, baraka, q=word)) == sorted([hers, theirs])
    await block(client, amina, baraka["id"])  # she blocked him
    await block(client, baraka, chausiku["id"])  # he blocked them
    assert await _ids(client, baraka, q=word) == []
    assert await _ids(client, baraka, q=word, sort="newest") == []
    assert sorted(await _ids(client, None, q=word)) == sorted([hers, theirs])  # anonymous: no blocks
    assert await _ids(client, amina, q=word) == [hers, theirs] or await _ids(client, amina, q=word) == [theirs, hers]


# filters

async def test_the_filters_keep_what_they_name(client):
    amina, baraka = await user(client), await user(client)
    word = _word()
    dar = await open_shop(client, amina, location={"region": "Dar es Salaam", "city": "Kariakoo"})
    arusha = await open_shop(client, baraka, location={"region": "Arusha", "city": "Usa River"})
    phone = await _product(client, dar, f"{word} phone", category="phones", prices=(300_000, 250_000))
    laptop = await _product(client, dar, f"{word} laptop", category="computers", prices=(900_000,),
                            condition="used", stock=0)
    seeds = await _product(client, arusha, f"{word} seeds", category="seeds", prices=(5_000,))
    assert await _ids(client, q=word, category="electronics", sort="price_asc") == [phone, laptop]  # its subtree
    phones = [row["id"] for row in await rows(client, "SELECT id FROM product_categories WHERE slug = 'phones'")]
    assert await _ids(client, q=word, category=str(phones[0])) == [phone]
    assert await _ids(client, q=word, currency="TZS", min_price=250_000, max_price=250_000) == [phone]  # its lowest
    assert await _ids(client, q=word, currency="TZS", max_price=249_999, sort="price_asc") == [seeds]
    assert await _ids(client, q=word, currency="KES") == []
    assert await _ids(client, q=word, condition="used") == [laptop]
    assert sorted(await _ids(client, q=word, in_stock=True)) == sorted([phone, seeds])
    assert await _ids(client, q=word, shop=f"${arusha['handle'].upper()}") == [seeds]
    assert await _ids(client, q=word, shop=dar["id"], sort="price_desc") == [laptop, phone]
    assert await _ids(client, q=word, region="  arusha ") == [seeds]
    assert await _ids(client, q=word, region="dar  ES salaam", city="kariakoo", sort="price_asc") == [phone, laptop]
    assert await _ids(client, q=word, city="Mwanza") == []
    # without words: every listed product the filters keep
    assert await _ids(client, shop=arusha["id"]) == [seeds]


async def test_refused_queries_name_the_field(client):
    amina = await user(client)
    word = _word()
    for n in range(2):
        await _product(client, await open_shop(client, amina, handle=f"{word}_{n}"), f"{word} {n}")
    cases = [
        ({"category": "no-such-category"}, "category"),
        ({"category": str(uuid.uuid4())}, "category"),
        ({"shop": "$no_such_shop_x"}, "shop"),
        ({"min_price": 10}, "currency"),
        ({"currency": "TZS", "min_price": 10, "max_price": 9}, "max_price"),
        ({"currency": "TZS", "min_price": -1}, "min_price"),
        ({"currency": "TZS", "max_price": "1.5"}, "max_price"),
        ({"sort": "relevance"}, "sort"),
        ({"sort": "cheapest", "q": "x"}, "sort"),
        ({"condition": "broken"}, "condition"),
        ({"currency": "EUR"}, "currency"),
        ({"q": "x" * 101}, "q"),
        ({"q": "   "}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 101}, "limit"),
    ]
    for params, field in cases:
        refused = await _search(client, expect=422, **params)
        assert list(refused["error"]["details"]["fields"]) == [field], (params, refused)
    # a cursor of another list (the shops' search) is refused as any other
    shops_cursor = (await call(client, "GET", "/api/shops/search", None, 200, params={"q": word, "limit": 1})
                    )["next_cursor"]
    refused = await _search(client, expect=422, cursor=shops_cursor)
    assert list(refused["error"]["details"]["fields"]) == ["cursor"]
    # and a cursor of another sort
    price_cursor = (await _search(client, q=word, limit=1, sort="price_asc"))["next_cursor"]
    assert len((await _search(client, q=word, sort="price_asc", cursor=price_cursor))["items"]) == 1
    refused = await _search(client, expect=422, sort="newest", cursor=price_cursor)
    assert list(refused["error"]["details"]["fields"]) == ["cursor"]


# sorts and pages

async def test_every_sort_pages_through_every_product_once_in_order(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    word = _word()
    made = [await _product(client, shop, f"{word} item {n}", prices=(price,))
            for n, price in enumerate((30_000, 10_000, 20_000, 10_000, 50_000))]
    prices = dict(zip(made, (30_000, 10_000, 20_000, 10_000, 50_000)))
    # equal prices: the later id first, as on every sort
    assert await _all_pages(client, q=word, sort="price_asc") == sorted(
        made, key=lambda pid: (prices[pid], -uuid.UUID(pid).int))
    assert await _all_pages(client, q=word, sort="price_desc") == sorted(
        made, key=lambda pid: (-prices[pid], -uuid.UUID(pid).int))
    assert await _all_pages(client, q=word, sort="newest") == made[::-1]
    assert await _all_pages(client, sort="newest", shop=shop["id"]) == made[::-1]
    # ratings: the average first, then how many reviews (as the reviews keep them)
    for product_id, count, total in ((made[0], 2, 9), (made[1], 1, 5), (made[2], 4, 18), (made[3], 3, 9)):
        await rows(client, "UPDATE product_search SET rating_count = $2, rating_sum = $3 WHERE product_id = $1",
                   uuid.UUID(product_id), count, total)
    assert await _all_pages(client, q=word, sort="rating") == [made[1], made[2], made[0], made[3], made[4]]
    relevance = await _all_pages(client, q=word)
    assert sorted(relevance) == sorted(made) and len(relevance) == 5
    page = await _search(client, q=word, sort="rating", limit=2)
    assert page["items"][0]["rating"] == {"average": 5.0, "count": 1}
    assert page["items"][1]["rating"] == {"average": 4.5, "count": 4}


# the search rows follow the catalogue

async def test_the_search_rows_follow_the_products_variants_shops_and_categories(client):
    amina = await user(client)
    shop = await open_shop(client, amina)
    word, renamed = _word(), _word()
    product_id = await _product(client, shop, f"{word} sandals", prices=(40_000,), stock=1)
    pid = uuid.UUID(product_id)
    await rows(client, "UPDATE product_variants SET price = 35000 WHERE product_id = $1", pid)
    [card] = (await _search(client, q=word))["items"]
    assert card["price"]["amount"] == 35_000
    await rows(client, "UPDATE product_variants SET stock_committed = 1 WHERE product_id = $1", pid)  # sold out
    assert await _ids(client, q=word, in_stock=True) == []
    assert (await _search(client, q=word))["items"][0]["in_stock"] is False
    await rows(client, "UPDATE product_variants SET stock_on_hand = 3 WHERE product_id = $1", pid)  # restocked
    assert await _ids(client, q=word, in_stock=True) == [product_id]
    await call(client, "PATCH", f"/api/shops/{shop['id']}", amina, 200, json={"name": f"Duka {renamed}"})
    assert await _ids(client, q=renamed) == [product_id]
    await call(client, "PATCH", f"/api/shops/{shop['id']}", amina, 200, json={"location": {"region": "Mwanza"}})
    assert await _ids(client, q=word, region="mwanza") == [product_id]
    await rows(client, "UPDATE products SET category_id = (SELECT id FROM product_categories WHERE slug = 'shoes')"
                       " WHERE id = $1", pid)
    assert await _ids(client, q=f"{word} viatu") == [product_id]
    await rows(client, "UPDATE product_categories SET name_sw = 'Viatu vya ' || $1 WHERE slug = 'shoes'", renamed)
    try:
        assert await _ids(client, q=f"{word} {renamed}") == [product_id]
    finally:
        await rows(client, "UPDATE product_categories SET name_sw = 'Viatu' WHERE slug = 'shoes'")
    await rows(client, "UPDATE product_variants SET archived_at = now() WHERE product_id = $1", pid)
    assert await _ids(client, q=word) == []  # nothing left to buy
    await rows(client, "DELETE FROM products WHERE id = $1", pid)
    assert await rows(client, "SELECT 1 FROM product_search WHERE product_id = $1", pid) == []


# shops

async def test_shops_are_found_by_handle_and_name_the_exact_handle_first(client):
    amina, baraka, mod = await user(client), await user(client), await moderator(client)
    word = _word()
    exact = await open_shop(client, amina, handle=word, name="Mama Ntilie")
    prefixed = await open_shop(client, amina, handle=f"{word}_two", name="Another")
    named = await open_shop(client, baraka, name=f"{word.capitalize()} Fashions")
    found = await call(client, "GET", "/api/shops/search", None, 200, params={"q": f"${word.upper()}"})
    assert [shop["id"] for shop in found["items"]] == [exact["id"], prefixed["id"], named["id"]]
    assert found["items"][0] == {key: exact[key] for key in found["items"][0]}
    fuzzy = await call(client, "GET", "/api/shops/search", None, 200, params={"q": f"{word[:-1]} fashions"})
    assert named["id"] in [shop["id"] for shop in fuzzy["items"]]
    pages, cursor = [], None
    while True:
        page = await call(client, "GET", "/api/shops/search", None, 200,
                          params={"q": word, "limit": 1, **({"cursor": cursor} if cursor else {})})
        pages += [shop["id"] for shop in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert pages == [exact["id"], prefixed["id"], named["id"]]
    await call(client, "POST", f"/api/admin/shops/{prefixed['id']}/suspend", mod, 200, json={"reason": "Fakes"})
    chausiku = await user(client)
    await block(client, chausiku, baraka["id"])
    found = await call(client, "GET", "/api/shops/search", chausiku, 200, params={"q": word})
    assert [shop["id"] for shop in found["items"]] == [exact["id"]]
    for q in ("", "  ", "x" * 51):
        refused = await call(client, "GET", "/api/shops/search", None, 422, params={"q": q})
        assert list(refused["error"]["details"]["fields"]) == ["q"]
