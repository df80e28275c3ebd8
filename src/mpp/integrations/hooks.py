"""Where mpp.integrations takes part in lower apps, through the hooks they own.

- core.events: every recorded event may become webhook messages (webhooks.emit);
- notifications.worker: `mpp worker` delivers the webhook outbox (webhooks.dispatch)
  and connectors' pending pushes (connectors.registry);
- core.identity: the NIK check against the population register, when configured
  (connectors.register_check).
"""

from mpp.integrations.connectors import hooks as connector_hooks
from mpp.integrations.connectors import population
from mpp.integrations.webhooks import dispatch, emit

emit.register()
dispatch.register()
connector_hooks.register()
population.register()
