"""Who a social-media customer is: the CRM behind the bot and the support console."""
