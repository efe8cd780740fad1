"""What clients see of commerce's objects: one function per object, producing the dict the REST
answer and the live event carry (the schemas in handlers/commerce/schemas.py document them and
dump them unchanged)."""
from __future__ import annotations

import uuid
from typing import Any

import orjson

from ...platform import Platform
from ..users.trust import level_for
from .addresses_repository import Address
from .orders import OrderDetail
from .orders_repository import BuyerCard, Item, Order, Step
from .products import ProductCard, ProductView
from .reviews import Listed, editable_until, rating_view
from .reviews_repository import Rating
from .products_repository import Category, Movement, PriceTier, Product, Variant
from .shops import ShopView
from .stock import StockLevel, stock_status
from .shops_repository import Shop, StaffMember, StaffShop


def shop_view(found: ShopView) -> dict[str, Any]:
    """A shop's page: the same for every viewer who may see it."""
    shop, owner = found.shop, found.owner
    return {
        **shop_card(shop),
        "description": shop.description,
        "cover_media_id": shop.cover_media_id,
        "logo": found.media.get(shop.logo_media_id) if shop.logo_media_id else None,
        "cover": found.media.get(shop.cover_media_id) if shop.cover_media_id else None,
        "contact": {"phone": shop.phone, "email": shop.email},
        "currency": shop.currency,
        "pickup": {"note": shop.pickup_note} if shop.pickup else None,
        "delivery": {
            "default_fee": shop.delivery_default_fee,
            "region_fees": [{"region": fee.region, "fee": fee.fee} for fee in found.fees],
        } if shop.delivery else None,
        "return_policy": shop.return_policy,
        "suspended_reason": shop.suspended_reason,
        "state_changed_at": shop.state_changed_at,
        "owner": {**user_card(owner), "trust": {"score": owner.trust_score, "level": level_for(owner.trust_score)}},
        "updated_at": shop.updated_at,
    }


def user_card(person: Any, user_id: uuid.UUID | None = None) -> dict[str, Any]:
    """A person as a shop, an order or a review names them (the users area's UserCardSchema):
    ``person`` carries their public card columns; ``user_id`` when it names them otherwise."""
    return {"id": person.id if user_id is None else user_id, "username": person.username,
            "display_name": person.display_name, "avatar_media_id": person.avatar_media_id,
            "is_verified": person.verified_at is not None}


def shop_card(shop: Shop) -> dict[str, Any]:
    """A shop as lists and mentions show it."""
    return {
        "id": shop.id, "handle": shop.handle, "name": shop.name, "owner_id": shop.owner_id,
        "logo_media_id": shop.logo_media_id, "location": {"region": shop.region, "city": shop.city},
        "state": shop.state, "created_at": shop.created_at,
    }


def staff_shop_view(item: StaffShop) -> dict[str, Any]:
    return {**shop_card(item.shop), "role": item.role, "joined_at": item.joined_at}


def staff_member_view(member: StaffMember) -> dict[str, Any]:
    return {
        "user_id": member.user_id, "username": member.username, "display_name": member.display_name,
        "avatar_media_id": member.avatar_media_id, "is_verified": member.verified_at is not None,
        "role": member.role, "added_by": member.added_by, "since": member.created_at,
    }


def address_view(address: Address) -> dict[str, Any]:
    return {
        "id": address.id, "label": address.label, "country": address.country, "region": address.region,
        "district": address.district, "ward": address.ward, "street": address.street, "landmark": address.landmark,
        "recipient_name": address.recipient_name, "phone": address.phone, "is_default": address.is_default,
        "created_at": address.created_at, "updated_at": address.updated_at,
    }


def order_view(found: OrderDetail) -> dict[str, Any]:
    """An order's page, the same for its buyer and its shop's staff: its items at the prices they
    were bought for, the delivery address as it was at checkout, and its timeline."""
    return {**order_card(found.order, found.items, found.buyer),
            "timeline": [order_step_view(step) for step in found.timeline]}


def order_card(order: Order, items: list[Item], buyer: BuyerCard | None) -> dict[str, Any]:
    """An order as the lists show it: everything but its timeline."""
    return {
        "id": order.id, "checkout_id": order.checkout_id, "state": order.state, "stock_state": order.stock_state,
        "shop": {"id": order.shop_id, "handle": order.shop_handle, "name": order.shop_name},
        "seller_id": order.seller_id,
        "buyer": None if buyer is None else user_card(buyer),
        "currency": order.currency, "subtotal": order.subtotal, "delivery_fee": order.delivery_fee,
        "total": order.total, "fulfilment": order.fulfilment, "address": order.address, "tracking": order.tracking,
        "items": [{
            "product_id": item.product_id, "variant_id": item.variant_id, "product_name": item.product_name,
            "variant_label": item.variant_label, "sku": item.sku, "quantity": item.quantity,
            "unit_price": item.unit_price, "line_total": item.line_total} for item in items],
        "hold_id": order.hold_id, "reserved_until": order.reserved_until, "cancel_reason": order.cancel_reason,
        "dispute_reason": order.dispute_reason, "resolution": order.resolution,
        "auto_complete_at": order.auto_complete_at, "created_at": order.created_at, "paid_at": order.paid_at,
        "accepted_at": order.accepted_at, "shipped_at": order.shipped_at, "delivered_at": order.delivered_at,
        "completed_at": order.completed_at, "cancelled_at": order.cancelled_at, "disputed_at": order.disputed_at,
        "refunded_at": order.refunded_at, "updated_at": order.updated_at,
    }


def order_step_view(step: Step) -> dict[str, Any]:
    return {"from_state": step.from_state, "state": step.to_state, "actor": step.actor, "actor_id": step.actor_id,
            "note": step.note, "at": step.at}
def product_view(found: ProductView) -> dict[str, Any]:
    """A product's page. The same for everyone who may see it, but that its shop's staff also see
    each variant's on-hand and committed stock (``stock``, null for anyone else)."""
    product = found.product
    return {
        "id": product.id, "shop": shop_card(found.shop), "name": product.name, "description": product.description,
        "category": None if found.category is None else category_view(found.category),
        "condition": product.condition, "state": product.state, "suspended_reason": product.suspended_reason,
        "currency": product.currency, "options": product.options, "low_stock_threshold": product.low_stock_threshold,
        "media": [found.media[media_id] for media_id in found.media_ids if media_id in found.media],
        "variants": [variant_view(found, variant) for variant in found.variants],
        "price_tiers": [tier_view(tier) for tier in found.tiers_of(None)],
        **_price_and_stock(product, found.variants),
        "published_at": product.published_at, "created_at": product.created_at, "updated_at": product.updated_at,
    }


def variant_view(found: ProductView, variant: Variant) -> dict[str, Any]:
    return {
        "id": variant.id, "sku": variant.sku, "options": variant.options, "price": variant.price,
        "price_tiers": [tier_view(tier) for tier in found.tiers_for(variant.id)],
        "available": max(variant.available, 0),
        "stock_status": stock_status(variant.available, found.product.low_stock_threshold),
        "stock": {"on_hand": variant.stock_on_hand, "committed": variant.stock_committed} if found.for_staff else None,
        "media": [found.media[media_id] for media_id in found.variant_media.get(variant.id, [])
                  if media_id in found.media],
        "position": variant.position,
    }


def tier_view(tier: PriceTier) -> dict[str, Any]:
    return {"min_quantity": tier.min_quantity, "max_quantity": tier.max_quantity, "unit_price": tier.unit_price}


def product_card(card: ProductCard) -> dict[str, Any]:
    """A product as a shop's list shows it."""
    product = card.product
    return {
        "id": product.id, "shop_id": product.shop_id, "name": product.name, "category_id": product.category_id,
        "condition": product.condition, "state": product.state, "currency": product.currency, "image": card.media,
        **_price_and_stock(product, card.variants), "published_at": product.published_at,
        "created_at": product.created_at,
    }


def _price_and_stock(product: Product, variants: list[Variant]) -> dict[str, Any]:
    """The range of its variants' prices, how many units are available in all, and the best of
    its variants' stock states (``in_stock`` if any is, else ``low_stock`` if any is, else ``out_of_stock``)."""
    prices = [variant.price for variant in variants]
    statuses = {stock_status(variant.available, product.low_stock_threshold) for variant in variants}
    return {
        "price_range": {"min": min(prices), "max": max(prices)} if prices else None,
        "available": sum(max(variant.available, 0) for variant in variants),
        "stock_status": next((status for status in ("in_stock", "low_stock") if status in statuses), "out_of_stock"),
    }


def category_view(category: Category) -> dict[str, Any]:
    return {"id": category.id, "parent_id": category.parent_id, "slug": category.slug, "name": category.name,
            "name_sw": category.name_sw}


def category_tree_view(categories: list[Category]) -> list[dict[str, Any]]:
    """The categories as a tree: each with its ``children``, in their order."""
    nodes = {category.id: {**category_view(category), "position": category.position, "children": []}
             for category in categories}
    roots = []
    for category in categories:
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent["children"] if parent else roots).append(nodes[category.id])
    return roots


def stock_level_view(level: StockLevel, low_stock_threshold: int) -> dict[str, Any]:
    return {"variant_id": level.variant_id, "product_id": level.product_id, "on_hand": level.on_hand,
            "committed": level.committed, "available": level.available,
            "stock_status": stock_status(level.available, low_stock_threshold)}


def movement_view(movement: Movement) -> dict[str, Any]:
    return {"id": movement.id, "on_hand_delta": movement.on_hand_delta, "committed_delta": movement.committed_delta,
            "on_hand_after": movement.on_hand_after, "committed_after": movement.committed_after,
            "reason": movement.reason, "note": movement.note, "actor_id": movement.actor_id,
            "order_id": movement.order_id, "created_at": movement.created_at}


def json_ready(view: dict[str, Any]) -> dict[str, Any]:
    """A view as its JSON reads back (ids and times as strings), for a live event's data."""
    return orjson.loads(orjson.dumps(view, default=str))


def cart_view(lines) -> dict[str, Any]:
    """The cart priced and checked now (``cart.Line``s): each line with its notices, and the
    totals per currency of the lines that can be bought."""
    totals: dict[str, int] = {}
    for line in lines:
        if line.purchasable:
            totals[line.offer.currency] = totals.get(line.offer.currency, 0) + line.line_total
    return {
        "items": [cart_line_view(line) for line in lines],
        "totals": [{"currency": currency, "subtotal": subtotal} for currency, subtotal in sorted(totals.items())],
        "changed": any(line.notices for line in lines),
    }


def cart_line_view(line) -> dict[str, Any]:
    offer = line.offer
    return {
        "variant_id": offer.variant_id, "product_id": offer.product_id, "product_name": offer.product_name,
        "sku": offer.sku, "options": offer.options,
        "shop": {"id": offer.shop_id, "handle": offer.shop_handle, "name": offer.shop_name},
        "quantity": line.quantity, "unit_price": line.unit_price, "line_total": line.line_total,
        "currency": offer.currency, "available": max(offer.available, 0), "purchasable": line.purchasable,
        "notices": list(line.notices),
    }


def checkout_view(checkout_id, found) -> dict[str, Any]:
    """A checkout: its orders (one per shop), each as its page shows it with the payment begun
    into its hold (``payments`` views) or why it could not begin."""
    from ..payments.views import payment_view

    return {"id": checkout_id, "orders": [
        {**order_view(detail), "payment": None if payment is None else payment_view(payment),
         "payment_error": None if error is None else {"code": error.code, "message": error.message,
                                                      "details": error.details}}
        for detail, payment, error in found]}


def review_view(platform: Platform, found: Listed, media: dict[uuid.UUID, dict[str, Any]]) -> dict[str, Any]:
    review = found.review
    return {
        "id": review.id, "product_id": review.product_id, "shop_id": review.shop_id, "order_id": review.order_id,
        "author": user_card(found, user_id=review.buyer_id),
        "rating": review.rating, "text": review.body,
        "photos": [media[media_id] for media_id in found.media_ids if media_id in media],
        "reply": None if review.reply is None else {"text": review.reply, "replied_at": review.replied_at},
        "created_at": review.created_at, "edited_at": review.edited_at,
        "editable_until": editable_until(platform, review),
    }


def product_embed_card(product: Product, shop: Shop | None, variants: list[Variant], image: dict[str, Any] | None,
                       seen: bool) -> dict[str, Any]:
    """A product as a post embeds it (docs/social.md, "Embeds"): ``state`` is the product's
    (``active``, ``archived``), or ``unavailable`` when the viewer may no longer see it (then
    nothing else is shown). Its live changes come on ``topic``."""
    if not seen:
        return {"kind": "product", "id": product.id, "state": "unavailable", "topic": None}
    return {
        "kind": "product", "id": product.id, "state": product.state, "topic": f"product:{product.id}",
        "name": product.name, "image": image, "currency": product.currency,
        "shop": {"id": shop.id, "handle": shop.handle, "name": shop.name},
        **_price_and_stock(product, variants),
    }


def shop_embed_card(shop: Shop, logo: dict[str, Any] | None, rating: Rating, seen: bool) -> dict[str, Any]:
    """A shop as a post embeds it: its logo, name and rating; ``state`` is the shop's (``open``,
    ``closed``), or ``unavailable`` when the viewer may no longer see it."""
    if not seen:
        return {"kind": "shop", "id": shop.id, "state": "unavailable", "topic": None}
    return {"kind": "shop", "id": shop.id, "state": shop.state, "topic": None, "handle": shop.handle,
            "name": shop.name, "logo": logo, "rating": rating_view(rating)}
