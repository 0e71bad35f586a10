"""Roles and what each may do.

Capabilities are plain strings checked by views, the API and services. The table below is
the whole policy; the permission-matrix test walks every endpoint against every role.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    REP_1 = "rep1", "Representative (tier I)"
    REP_2 = "rep2", "Representative (tier II)"
    DISPATCHER = "dispatcher", "Dispatcher"
    SERVICE_ADMIN = "service_admin", "Service administrator"
    BILLING = "billing", "Billing"
    COLLECTIONS = "collections", "Collections"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Administrator"
    # Field people: they see only their own slice (scheduling.selectors scopes every read).
    TECHNICIAN = "technician", "Technician"
    SUBCONTRACTOR = "subcontractor", "Subcontractor"


class Cap:
    """The capabilities, named once."""

    ACCOUNTS_VIEW = "accounts.view"
    ACCOUNTS_EDIT = "accounts.edit"  # customers, accounts, contacts, locations, agreements
    ACCOUNTS_NOTE = "accounts.note"  # log a contact, add a note
    ACCOUNTS_ALERTS = "accounts.alerts"  # pin and remove alerts
    CASES_VIEW = "cases.view"
    CASES_WORK = "cases.work"  # open, note, move, resolve
    CASES_ESCALATE = "cases.escalate"
    CASES_ASSIGN = "cases.assign"  # assign to someone else or another queue
    CASES_REOPEN = "cases.reopen"  # reopen a closed case
    WORKORDERS_VIEW = "workorders.view"  # work orders, follow-ups, maintenance plans
    WORKORDERS_CREATE = "workorders.create"  # open a work order from a call or a case
    WORKORDERS_EDIT = "workorders.edit"  # change details, cancel, close, after-visit calls
    WORKORDERS_DISPATCH = "workorders.dispatch"  # schedule, unschedule, dispatch
    WORKORDERS_COMPLETE = "workorders.complete"  # field work: on my way, arrive, complete
    PM_MANAGE = "pm.manage"  # preventive-maintenance plans
    SCHEDULING_JOBS = "scheduling.jobs"  # see appointments (field roles: only their own)
    SCHEDULING_VIEW = "scheduling.view"  # the board, technicians, territories
    SCHEDULING_BOOK = "scheduling.book"  # offers and booking from a call, reschedule, cancel
    SCHEDULING_DISPATCH = "scheduling.dispatch"  # assign, move, unassign, dispatch, optimizer
    SCHEDULING_MANAGE = "scheduling.manage"  # technicians, documents, shifts, territories
    SCHEDULING_FIELD = "scheduling.field"  # on my way, arrived, complete (own jobs)
    AUDIT_VIEW = "audit.view"
    POLICIES_MANAGE = "policies.manage"  # SLA policies, queues, canned responses, checklists
    USERS_MANAGE = "users.manage"
    LEDGER_VIEW = "ledger.view"  # journal lines, open items and allocations of an account
    LEDGER_MANAGE = "ledger.manage"  # the chart of ledger accounts
    PAYMENTS_VIEW = "payments.view"  # payments, refunds, adjustments, deposits of accounts
    PAYMENTS_TAKE = "payments.take"  # take a payment, collect a deposit, apply credit
    PAYMENTS_REFUND = "payments.refund"  # refunds, up to the role's approval limit
    PAYMENTS_ADJUST = "payments.adjust"  # adjustments (up to the limit), resolve disputes
    PAYMENTS_TRANSFER = "payments.transfer"  # move credit between accounts, reallocate
    PAYMENTS_REVERSE = "payments.reverse"  # record a returned payment (NSF, chargeback)
    PAYMENTS_DEPOSITS = "payments.deposits"  # bill, apply and refund deposits
    PAYMENTS_DISPUTE = "payments.dispute"  # mark an amount of a charge as disputed
    PAYMENTS_BANK_FILES = "payments.bank_files"  # import bank files, work the exception queue
    CONTACT_AGENT = "contact.agent"  # take calls, agent states, wrap-up, scripts, callbacks
    CONTACT_SUPERVISE = "contact.supervise"  # dashboard, metrics, PBX imports, scripts' adherence
    CONTACT_QUALITY = "contact.quality"  # evaluate recorded interactions
    BILLING_VIEW = "billing.view"  # invoices, credit notes, statements, bill runs, catalog
    BILLING_SEND = "billing.send"  # email an invoice or statement to the customer
    BILLING_EDIT = "billing.edit"  # draft invoices and their lines, recurring charges, profiles
    BILLING_ISSUE = "billing.issue"  # issue a draft (posts it to the ledger)
    BILLING_CREDIT = "billing.credit"  # credit notes and voids
    BILLING_RUN = "billing.run"  # start and resume bill runs
    BILLING_CATALOG = "billing.catalog"  # catalog items, tax codes and rates, bill cycles
    BILLING_FEES = "billing.fees"  # charge a policy's fee (collection step, restoration)
    BILLING_SALES = "billing.sales"  # invoice a sale at the price rules' prices (counter sale)
    RECEIVABLES_VIEW = "receivables.view"  # the book's aging report and its exports
    RECEIVABLES_COLLECT = "receivables.collect"  # worklist, promises to pay, protections, holds
    RECEIVABLES_POLICIES = "receivables.policies"  # collection policies, moratoria, protected days
    RECEIVABLES_WRITE_OFF = "receivables.write_off"  # write off, agency referral and recall
    CREDIT_VIEW = "credit.view"  # arrangements, deposit requirement, rating, bankruptcy of accounts
    CREDIT_ARRANGE = "credit.arrange"  # offer, set up and cancel a payment arrangement
    CREDIT_MANAGE = "credit.manage"  # rating overrides, cash-only, deposit waivers, bankruptcy
    CREDIT_POLICIES = "credit.policies"  # arrangement, deposit and rating policies
    INVENTORY_VIEW = "inventory.view"  # items, price lists, stock, sales and purchase orders
    INVENTORY_SELL = "inventory.sell"  # parts sales orders and counter sales
    INVENTORY_MANAGE = "inventory.manage"  # items, price lists, warehouses, vans, stock moves
    INVENTORY_PURCHASE = "inventory.purchase"  # purchase orders (approval within the limit)
    INTEGRATIONS_VIEW = "integrations.view"  # partners, delivery log, portal tasks
    INTEGRATIONS_TASKS = "integrations.tasks"  # tick off portal tasks, replay a delivery
    INTEGRATIONS_MANAGE = "integrations.manage"  # partners, endpoints, secrets, inbound tokens
    QUOTES_VIEW = "quotes.view"  # customer and subcontractor quotes, out-of-scope requests
    QUOTES_EDIT = "quotes.edit"  # write, revise and send customer quotes; convert accepted ones
    QUOTES_SUBMIT = "quotes.submit"  # submit a subcontractor quote (own jobs for subcontractors)
    QUOTES_APPROVE = "quotes.approve"  # approve or reject subcontractor quotes (within the limit)
    CONTRACTS_VIEW = "contracts.view"  # service contracts, coverage, customer POs, decisions
    CONTRACTS_MANAGE = "contracts.manage"  # write contracts, coverage and customer POs


_DESK = {
    Cap.ACCOUNTS_VIEW,
    Cap.ACCOUNTS_NOTE,
    Cap.CASES_VIEW,
    Cap.CASES_WORK,
}

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.REP_1: frozenset(_DESK | {Cap.ACCOUNTS_EDIT, Cap.CASES_ESCALATE}),
    Role.REP_2: frozenset(
        _DESK
        | {Cap.ACCOUNTS_EDIT, Cap.ACCOUNTS_ALERTS, Cap.CASES_ESCALATE, Cap.CASES_ASSIGN}
        | {Cap.CASES_REOPEN}
    ),
    Role.DISPATCHER: frozenset(_DESK | {Cap.CASES_ESCALATE}),
    Role.SERVICE_ADMIN: frozenset(
        _DESK | {Cap.ACCOUNTS_EDIT, Cap.CASES_ESCALATE, Cap.CASES_ASSIGN}
    ),
    Role.BILLING: frozenset(_DESK | {Cap.ACCOUNTS_EDIT, Cap.ACCOUNTS_ALERTS, Cap.CASES_ESCALATE}),
    Role.COLLECTIONS: frozenset(
        _DESK | {Cap.ACCOUNTS_EDIT, Cap.ACCOUNTS_ALERTS, Cap.CASES_ESCALATE}
    ),
    Role.SUPERVISOR: frozenset(
        _DESK
        | {Cap.ACCOUNTS_EDIT, Cap.ACCOUNTS_ALERTS, Cap.CASES_ESCALATE, Cap.CASES_ASSIGN}
        | {Cap.CASES_REOPEN, Cap.AUDIT_VIEW, Cap.POLICIES_MANAGE}
    ),
    Role.ADMIN: frozenset(v for k, v in vars(Cap).items() if k.isupper()),
}


def _grant(capability: str, *roles: str) -> None:
    """Give a capability to roles (the apps' grants below keep the table above readable)."""
    for role in roles:
        ROLE_CAPABILITIES[role] = ROLE_CAPABILITIES[role] | {capability}


# Ledger: who reads the journal of an account; only administrators keep the chart.
_grant(Cap.LEDGER_VIEW, Role.BILLING, Role.COLLECTIONS, Role.SUPERVISOR, Role.SERVICE_ADMIN)

# Payments (docs/payments.md): everyone at a desk sees payments; representatives take them,
# refund within their approval limit and record disputes; billing and collections staff
# post, transfer, reverse, adjust, keep deposits and work the bank files; supervisors too.
# How much each role may refund or adjust is an ApprovalLimit record, not a capability.
_PAY_DESK = {Cap.PAYMENTS_VIEW, Cap.PAYMENTS_TAKE, Cap.PAYMENTS_REFUND, Cap.PAYMENTS_DISPUTE}
_PAY_BACK_OFFICE = _PAY_DESK | {
    Cap.PAYMENTS_ADJUST,
    Cap.PAYMENTS_TRANSFER,
    Cap.PAYMENTS_REVERSE,
    Cap.PAYMENTS_DEPOSITS,
    Cap.PAYMENTS_BANK_FILES,
}
for _role, _granted in {
    Role.REP_1: _PAY_DESK,
    Role.REP_2: _PAY_DESK,
    Role.DISPATCHER: {Cap.PAYMENTS_VIEW},
    Role.SERVICE_ADMIN: {Cap.PAYMENTS_VIEW},
    Role.BILLING: _PAY_BACK_OFFICE,
    Role.COLLECTIONS: _PAY_BACK_OFFICE,
    Role.SUPERVISOR: _PAY_BACK_OFFICE,
}.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES[_role] | _granted


# --- Field service: scheduling and dispatch -------------------------------------------------
# Everyone at a desk sees appointments; representatives book from the call; coordinators
# (dispatchers) run the board and keep technicians, documents and territories; technicians
# and subcontractor companies see and work only their own jobs.
_SCHEDULING_GRANTS: dict[str, set[str]] = {
    Role.REP_1: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW, Cap.SCHEDULING_BOOK},
    Role.REP_2: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW, Cap.SCHEDULING_BOOK},
    Role.DISPATCHER: {
        Cap.SCHEDULING_JOBS,
        Cap.SCHEDULING_VIEW,
        Cap.SCHEDULING_BOOK,
        Cap.SCHEDULING_DISPATCH,
        Cap.SCHEDULING_MANAGE,
        Cap.SCHEDULING_FIELD,
    },
    Role.SERVICE_ADMIN: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW, Cap.SCHEDULING_BOOK},
    Role.BILLING: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW},
    Role.COLLECTIONS: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_VIEW},
    Role.SUPERVISOR: {
        Cap.SCHEDULING_JOBS,
        Cap.SCHEDULING_VIEW,
        Cap.SCHEDULING_BOOK,
        Cap.SCHEDULING_DISPATCH,
        Cap.SCHEDULING_MANAGE,
        Cap.SCHEDULING_FIELD,
    },
    Role.TECHNICIAN: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_FIELD},
    Role.SUBCONTRACTOR: {Cap.SCHEDULING_JOBS, Cap.SCHEDULING_FIELD},
}
for _role, _granted in _SCHEDULING_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES.get(_role, frozenset()) | _granted


# --- Field service: work orders and preventive maintenance -----------------------------------
# Representatives open work orders from calls (collections raise non-pay disconnects);
# coordinators (dispatchers) and service administrators run them end to end; technicians and
# subcontractors do the field steps, on their own jobs only (the scheduling app's guard).
_WORKORDER_GRANTS: dict[str, set[str]] = {
    Role.REP_1: {Cap.WORKORDERS_VIEW, Cap.WORKORDERS_CREATE},
    Role.REP_2: {Cap.WORKORDERS_VIEW, Cap.WORKORDERS_CREATE},
    Role.DISPATCHER: {
        Cap.WORKORDERS_VIEW,
        Cap.WORKORDERS_CREATE,
        Cap.WORKORDERS_EDIT,
        Cap.WORKORDERS_DISPATCH,
        Cap.WORKORDERS_COMPLETE,
    },
    Role.SERVICE_ADMIN: {
        Cap.WORKORDERS_VIEW,
        Cap.WORKORDERS_CREATE,
        Cap.WORKORDERS_EDIT,
        Cap.WORKORDERS_DISPATCH,
        Cap.WORKORDERS_COMPLETE,
        Cap.PM_MANAGE,
    },
    Role.BILLING: {Cap.WORKORDERS_VIEW},
    Role.COLLECTIONS: {Cap.WORKORDERS_VIEW, Cap.WORKORDERS_CREATE},
    Role.SUPERVISOR: {
        Cap.WORKORDERS_VIEW,
        Cap.WORKORDERS_CREATE,
        Cap.WORKORDERS_EDIT,
        Cap.WORKORDERS_DISPATCH,
        Cap.WORKORDERS_COMPLETE,
        Cap.PM_MANAGE,
    },
    # Field steps on their own jobs, through the scheduling app's technician view (its guard
    # checks the job is theirs); they see no work-order pages or list.
    Role.TECHNICIAN: {Cap.WORKORDERS_COMPLETE},
    Role.SUBCONTRACTOR: {Cap.WORKORDERS_COMPLETE},
}
for _role, _granted in _WORKORDER_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES.get(_role, frozenset()) | _granted


# --- Contact centre ------------------------------------------------------------------------------
# Everyone who answers the phones or works callbacks is an agent; supervisors watch the
# numbers, import the PBX's records and score calls (docs/contact.md).
_CONTACT_GRANTS: dict[str, set[str]] = {
    Role.REP_1: {Cap.CONTACT_AGENT},
    Role.REP_2: {Cap.CONTACT_AGENT},
    Role.BILLING: {Cap.CONTACT_AGENT},
    Role.COLLECTIONS: {Cap.CONTACT_AGENT},
    Role.SUPERVISOR: {Cap.CONTACT_AGENT, Cap.CONTACT_SUPERVISE, Cap.CONTACT_QUALITY},
}
for _role, _granted in _CONTACT_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES.get(_role, frozenset()) | _granted


# --- Billing (docs/billing.md) ----------------------------------------------------------------
# Everyone at a desk explains invoices and resends them; service administrators invoice
# services rendered; billing staff run the cycles, credit and keep the catalog; collections
# read and resend; supervisors may do everything billing does.
_BILLING_DESK = {Cap.BILLING_VIEW, Cap.BILLING_SEND}
_BILLING_GRANTS: dict[str, set[str]] = {
    Role.REP_1: _BILLING_DESK,
    Role.REP_2: _BILLING_DESK,
    Role.DISPATCHER: {Cap.BILLING_VIEW},
    Role.SERVICE_ADMIN: _BILLING_DESK | {Cap.BILLING_EDIT, Cap.BILLING_ISSUE},
    Role.BILLING: _BILLING_DESK
    | {Cap.BILLING_EDIT, Cap.BILLING_ISSUE, Cap.BILLING_CREDIT, Cap.BILLING_RUN}
    | {Cap.BILLING_CATALOG},
    Role.COLLECTIONS: _BILLING_DESK,
    Role.SUPERVISOR: _BILLING_DESK
    | {Cap.BILLING_EDIT, Cap.BILLING_ISSUE, Cap.BILLING_CREDIT, Cap.BILLING_RUN}
    | {Cap.BILLING_CATALOG},
}
for _role, _granted in _BILLING_GRANTS.items():
    ROLE_CAPABILITIES[_role] = ROLE_CAPABILITIES.get(_role, frozenset()) | _granted


# --- Receivables (docs/receivables.md) --------------------------------------------------------
# The book's aging is a back-office report: billing and collections staff and supervisors
# (administrators hold every capability).
_grant(Cap.RECEIVABLES_VIEW, Role.BILLING, Role.COLLECTIONS, Role.SUPERVISOR)
# Collectors work the worklist and record protections (a representative takes a medical
# certificate on the phone too); supervisors keep the policies and approve write-offs
# (the amount within the role's ApprovalLimit of kind write_off).
_grant(Cap.RECEIVABLES_COLLECT, Role.COLLECTIONS, Role.SUPERVISOR)
# The fees a policy sets (a collection step's, the restoration fee) are billed by those who
# apply the policy, without the right to draft or issue other invoices.
_grant(Cap.BILLING_FEES, Role.BILLING, Role.COLLECTIONS, Role.SUPERVISOR)
# Whoever sells parts invoices the sale at the prices the price rules gave, without the
# right to draft or edit invoices: a representative finishes a counter sale alone.
_grant(Cap.BILLING_SALES, Role.REP_1, Role.REP_2, Role.SERVICE_ADMIN, Role.BILLING, Role.SUPERVISOR)
_grant(Cap.RECEIVABLES_POLICIES, Role.SUPERVISOR)
_grant(Cap.RECEIVABLES_WRITE_OFF, Role.COLLECTIONS, Role.SUPERVISOR)

# --- Credit (docs/credit.md) ------------------------------------------------------------------
# Everyone at a desk sees an account's standing; representatives offer arrangements on the
# call (eligibility and limits are policy records); collections and supervisors manage
# ratings, deposits waivers and bankruptcies; supervisors keep the policies.
_grant(
    Cap.CREDIT_VIEW,
    Role.REP_1,
    Role.REP_2,
    Role.SERVICE_ADMIN,
    Role.BILLING,
    Role.COLLECTIONS,
    Role.SUPERVISOR,
)
_grant(Cap.CREDIT_ARRANGE, Role.REP_1, Role.REP_2, Role.BILLING, Role.COLLECTIONS, Role.SUPERVISOR)
_grant(Cap.CREDIT_MANAGE, Role.COLLECTIONS, Role.SUPERVISOR)
_grant(Cap.CREDIT_POLICIES, Role.SUPERVISOR)

# --- Inventory, purchasing and contracts (docs/inventory.md) -----------------------------------
# Desk roles see parts and prices and sell at the counter; coordinators and service
# administrators keep stock; service administrators and supervisors raise purchase orders
# (approved within the role's ApprovalLimit of kind purchase_order).
_grant(
    Cap.INVENTORY_VIEW,
    Role.REP_1,
    Role.REP_2,
    Role.DISPATCHER,
    Role.SERVICE_ADMIN,
    Role.BILLING,
    Role.SUPERVISOR,
)
_grant(
    Cap.INVENTORY_SELL, Role.REP_1, Role.REP_2, Role.SERVICE_ADMIN, Role.BILLING, Role.SUPERVISOR
)
_grant(Cap.INVENTORY_MANAGE, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)
# Coordinators (dispatchers) too: a subcontractor quote they approve becomes its purchase
# order at once (issue 7), and they reorder parts for the vans.
_grant(Cap.INVENTORY_PURCHASE, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)

# --- Integrations (docs/integrations.md) --------------------------------------------------------
# Coordinators and service administrators keep partners' portals up to date and replay a
# failed delivery; only supervisors (and administrators) set up partners and their secrets.
_grant(Cap.INTEGRATIONS_VIEW, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)
_grant(Cap.INTEGRATIONS_TASKS, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)
_grant(Cap.INTEGRATIONS_MANAGE, Role.SUPERVISOR)

# --- Quotes (docs/quotes.md) ------------------------------------------------------------------
# Desk roles see quotes; service administrators, coordinators and supervisors write and send
# them; subcontractors submit quotes on their own jobs (staff may enter one for them);
# coordinators and service administrators approve subcontractor quotes up to their
# ApprovalLimit of kind subcontractor_quote (above it the quote waits for a higher limit).
_grant(
    Cap.QUOTES_VIEW,
    Role.REP_1,
    Role.REP_2,
    Role.DISPATCHER,
    Role.SERVICE_ADMIN,
    Role.BILLING,
    Role.SUPERVISOR,
    Role.SUBCONTRACTOR,
)
_grant(Cap.QUOTES_EDIT, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)
_grant(Cap.QUOTES_SUBMIT, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR, Role.SUBCONTRACTOR)
_grant(Cap.QUOTES_APPROVE, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)

# --- Service contracts (docs/contracts.md) ----------------------------------------------------
# Everyone at a desk who sees accounts and work orders sees their contracts and the coverage
# decision; service administrators review contracts and customer POs (PRODUCT.md), and
# coordinators (dispatchers) and supervisors keep them too. Billing work against a contract
# needs billing.edit and billing.issue as well (the invoice is billing's).
_grant(
    Cap.CONTRACTS_VIEW,
    Role.REP_1,
    Role.REP_2,
    Role.DISPATCHER,
    Role.SERVICE_ADMIN,
    Role.BILLING,
    Role.COLLECTIONS,
    Role.SUPERVISOR,
)
_grant(Cap.CONTRACTS_MANAGE, Role.DISPATCHER, Role.SERVICE_ADMIN, Role.SUPERVISOR)


def capabilities_for(role: str) -> frozenset[str]:
    return ROLE_CAPABILITIES.get(role, frozenset())
