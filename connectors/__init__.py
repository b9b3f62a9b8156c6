"""Platform connectors: verify, parse into `InboundEvent`, send; local fakes of the platforms."""
