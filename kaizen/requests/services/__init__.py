"""Every write of the service request process, each journaled in its transaction."""
