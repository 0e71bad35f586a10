"""Payment arrangements, restoration, deposit policy, credit rating and bankruptcy:
the account's standing (docs/credit.md)."""
