"""The catalogue: a shop's products with their variants, media and price tiers, their states and
stock; the public product page and a shop's product list; the category tree."""
from __future__ import annotations

import uuid

from aiohttp import web

from ...domain.commerce import products, stock
from ...domain.commerce.views import (category_tree_view, category_view, movement_view, product_card, product_view,
                                      stock_level_view)
from ...keys import PLATFORM
from ...pagination import PageQuery
from ..routing import OPTIONAL, Routes, caller, json_response, viewer
from .admin import OPERATORS
from .schemas import (PRODUCT_ID, SHOP_ID, VARIANT_ID, CategoryIn, CategorySchema, CategoryTreeSchema,
                      MovementPageSchema, ProductCardPageSchema, ProductCreateSchema, ProductListQuery,
                      ProductSchema, ProductStateIn, ProductUpdateSchema, StockAdjustIn, StockLevelSchema, TiersIn,
                      VariantIn, VariantUpdateSchema)

routes = Routes("commerce")


def _answer(found: products.ProductView, status: int = 200) -> web.Response:
    return json_response(ProductSchema, product_view(found), status)


@routes.post("/api/shops/{shop_id}/products", summary="List a product in your shop", ids=(SHOP_ID,),
             body=ProductCreateSchema, response=ProductSchema, status=201, errors=(403, 404, 409),
             rate_limit="commerce.products")
async def create_product(request: web.Request, *, body: dict, shop_id: uuid.UUID) -> web.Response:
    """The shop's owner and managers (403 `not_shop_staff`). A draft (the default) is seen by the
    shop's staff only; `active` puts it on sale. Each variant names one value of each option axis
    (422 naming `variants.N.options`); a SKU another variant of the shop has is 409 `sku_taken`;
    price tiers of one variant (or of the product) that overlap are 422 naming the tier."""
    return _answer(await products.create_product(request.app[PLATFORM], caller(request), shop_id, body), 201)


@routes.get("/api/products/{product_id}", summary="A product's page", ids=(PRODUCT_ID,), response=ProductSchema,
            errors=(404,), auth=OPTIONAL)
async def get_product(request: web.Request, *, product_id: uuid.UUID) -> web.Response:
    """No token needed. A draft (but to its shop's staff), a product of a suspended shop, or of a
    shop whose owner blocked you or whom you blocked is 404 `product_not_found`, as one that does
    not exist. The shop's staff also see each variant's on-hand and committed `stock`."""
    return _answer(await products.get_product(request.app[PLATFORM], viewer(request), product_id))


@routes.get("/api/shops/{shop_id}/products", summary="A shop's products", ids=(SHOP_ID,), query=ProductListQuery,
            response=ProductCardPageSchema, errors=(404,), auth=OPTIONAL)
async def products_of_shop(request: web.Request, *, query: dict, shop_id: uuid.UUID) -> web.Response:
    """Newest first, cursor-paged. No token needed: anyone who may see the shop sees its active
    products; its staff see every state (or the `state` asked for)."""
    page = await products.products_of_shop(request.app[PLATFORM], viewer(request), shop_id, **query)
    return json_response(ProductCardPageSchema, page.map(product_card))


@routes.patch("/api/products/{product_id}", summary="Edit a product", ids=(PRODUCT_ID,), body=ProductUpdateSchema,
              response=ProductSchema, errors=(403, 404, 409))
async def update_product(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """The shop's staff (403 `not_shop_staff`; 404 `product_not_found` for a product you may not
    see). Only what is sent changes; `media_ids` is the whole gallery; `options` keeps its axes
    and may add values."""
    return _answer(await products.update_product(request.app[PLATFORM], caller(request), product_id, body))


@routes.put("/api/products/{product_id}/state", summary="Publish, archive or put back on sale", ids=(PRODUCT_ID,),
            body=ProductStateIn, response=ProductSchema, errors=(403, 404, 409))
async def set_product_state(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """draft → active or archived, active → archived, archived → active; anything else is 409
    `product_state_invalid` (`details.state`, `details.allowed`). The state it is in already
    answers it unchanged."""
    return _answer(await products.set_state(request.app[PLATFORM], caller(request), product_id, body["state"]))


@routes.post("/api/products/{product_id}/variants", summary="Add a variant", ids=(PRODUCT_ID,), body=VariantIn,
             response=ProductSchema, status=201, errors=(403, 404, 409))
async def add_variant(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """For a combination of the axes' values not on sale yet (409 `variant_options_taken`); a SKU
    of the shop's already is 409 `sku_taken`; at most 100 (409 `too_many_variants`)."""
    return _answer(await products.add_variant(request.app[PLATFORM], caller(request), product_id, body), 201)


@routes.patch("/api/products/{product_id}/variants/{variant_id}", summary="Edit a variant: SKU, price, media",
              ids=(PRODUCT_ID, VARIANT_ID), body=VariantUpdateSchema, response=ProductSchema, errors=(403, 404, 409))
async def update_variant(request: web.Request, *, body: dict, product_id: uuid.UUID,
                         variant_id: uuid.UUID) -> web.Response:
    """A new price is told live on the product's topic (`commerce.variant_price.changed`)."""
    found = await products.update_variant(request.app[PLATFORM], caller(request), product_id, variant_id, body)
    return _answer(found)


@routes.delete("/api/products/{product_id}/variants/{variant_id}", summary="Stop selling a variant",
               ids=(PRODUCT_ID, VARIANT_ID), response=ProductSchema, errors=(403, 404, 409))
async def archive_variant(request: web.Request, *, product_id: uuid.UUID, variant_id: uuid.UUID) -> web.Response:
    """The variant is archived (orders of it keep it); the last one on sale is 409 `last_variant`."""
    return _answer(await products.archive_variant(request.app[PLATFORM], caller(request), product_id, variant_id))


@routes.put("/api/products/{product_id}/price-tiers", summary="Set a product's quantity prices",
            ids=(PRODUCT_ID,), body=TiersIn, response=ProductSchema, errors=(403, 404))
async def replace_tiers(request: web.Request, *, body: dict, product_id: uuid.UUID) -> web.Response:
    """Replaces every tier of the product and its variants. Tiers of one variant (or of the
    product) that overlap are 422 naming the later tier; a price that is zero, negative or
    fractional is 422 naming it."""
    return _answer(await products.replace_tiers(request.app[PLATFORM], caller(request), product_id, body["tiers"]))


@routes.post("/api/products/{product_id}/variants/{variant_id}/stock", summary="Adjust a variant's stock",
             ids=(PRODUCT_ID, VARIANT_ID), body=StockAdjustIn, response=StockLevelSchema, errors=(403, 404, 409))
async def adjust_stock(request: web.Request, *, body: dict, product_id: uuid.UUID,
                       variant_id: uuid.UUID) -> web.Response:
    """The shop's staff add units (`restock`, `returned`), take some away (`damaged`, `lost`) or
    correct a count (`correction`), each recorded with who and why. Taking away more than are on
    hand and not committed to orders is 409 `insufficient_stock`."""
    level, threshold = await stock.adjust(request.app[PLATFORM], caller(request), product_id, variant_id, **body)
    return json_response(StockLevelSchema, stock_level_view(level, threshold))


@routes.get("/api/products/{product_id}/variants/{variant_id}/stock/movements", summary="A variant's stock audit",
            ids=(PRODUCT_ID, VARIANT_ID), query=PageQuery, response=MovementPageSchema, errors=(403, 404))
async def stock_movements(request: web.Request, *, query: dict, product_id: uuid.UUID,
                          variant_id: uuid.UUID) -> web.Response:
    """Every change of its stock, newest first: the shop's staff only."""
    page = await stock.movements(request.app[PLATFORM], caller(request), product_id, variant_id, **query)
    return json_response(MovementPageSchema, page.map(movement_view))


@routes.get("/api/product-categories", summary="The category tree", response=CategoryTreeSchema, auth=OPTIONAL)
async def category_tree(request: web.Request) -> web.Response:
    """No token needed. Each category with its English and Swahili names and its children."""
    found = await products.category_tree(request.app[PLATFORM])
    return json_response(CategoryTreeSchema, {"items": category_tree_view(found)})


@routes.post("/api/admin/product-categories", summary="Add a category, for operators", body=CategoryIn,
             response=CategorySchema, status=201, roles=OPERATORS, errors=(409,))
async def create_category(request: web.Request, *, body: dict) -> web.Response:
    """Moderator or admin role. A slug of another category is 409 `category_slug_taken`; an
    unknown `parent_id` is 422 naming it."""
    found = await products.create_category(request.app[PLATFORM], caller(request), body)
    return json_response(CategorySchema, category_view(found), 201)
