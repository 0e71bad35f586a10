"""Partners (warranty companies, manufacturers, carriers, lenders): signed outbound
webhooks, portal tasks and inbound partner updates (docs/integrations.md)."""
