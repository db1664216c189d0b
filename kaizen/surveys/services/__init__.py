"""Every write of the surveys app: `do_*` functions, each journaled in its transaction."""
