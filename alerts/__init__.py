"""Owner and operator emails: alert rules, the outbox decision, rendering and delivery.

`alerts.report` builds the weekly report on the same wording (`i18n`), layout
(`templates/base.html.j2`) and mailers (`mail`).
"""
