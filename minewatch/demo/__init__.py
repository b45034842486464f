"""The offline demo: sample feeds shipped with the package, served on loopback and polled
by the real poller, so a new user sees the whole product without any network."""
