"""The demo brand's contract: the FAQ keys and intents every language must cover."""

FAQ_KEYS = (
    "shipping_time",
    "shipping_cost",
    "international_shipping",
    "order_status",
    "cancel_order",
    "returns_refunds",
    "payment_methods",
    "product_ingredients",
    "product_usage",
    "store_hours",
    "account_password",
    "promo_codes",
    "subscription",
    "gift_wrapping",
)
INTENTS = (
    "greet",
    "goodbye",
    "thanks",
    "bot_challenge",
    "compliment",
    "complaint",
    "human_handoff",
    "out_of_scope",
)
