"""Rasa custom actions (rasa-sdk), run by the action server (`python -m actions`, Rasa env).

`action_order` answers order questions from the CRM: an order's status, and cancelling it. The
CRM is reached over the app's REST API (`crm_client`), which decides what may be disclosed; the
action picks the reply (`order_outcome`) and the rules in `nlu_data/order_rules.yml` say it.
`reading` is how order numbers, proofs and yes or no are read, by the action and by the NLU
rules of `rasa_addons.order_details`.

This package runs on Python 3.10 next to Rasa and cannot import `agent`: the few values of the
contract it needs are in `contract`."""
