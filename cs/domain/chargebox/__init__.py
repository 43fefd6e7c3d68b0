"""The charge box: a charge point as the central system knows it.

`ChargeBox` is one aggregate (one stream, topic `cs.ChargeBox`) composed of parts,
each a module holding one idea with its events, the command methods that trigger them,
the state they own and their value objects:

- `registration`: the registry's answer and the security profile (`check_security`);
- `boot`: BootNotification and StatusNotification (`BootInfo`, `StatusReport`);
- `transactions`: the active transaction of each connector;
- `remote_starts` and `reservations`: what a StartTransaction may fulfil;
- `reports`: firmware, diagnostics, log and security reports, vendor data;
- `configuration`, `local_list`, `charging_profiles`, `device_model`, `certificates`:
  effects of commands' answers.

`part` holds the base of the events (`ChargeBox.Event`) and of the parts;
`aggregate` composes them.
"""

from cs.domain.chargebox.aggregate import ChargeBox
from cs.domain.chargebox.boot import BootInfo, StatusReport
from cs.domain.chargebox.registration import SECURITY_PROFILES, check_security

__all__ = ["SECURITY_PROFILES", "BootInfo", "ChargeBox", "StatusReport", "check_security"]
