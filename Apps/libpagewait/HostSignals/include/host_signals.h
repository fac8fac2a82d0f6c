/*
 * host_signals.c has no interface: it is a load-time constructor only.
 * (A C target needs a public header folder; this is it.)
 */
