"""DL Lab's tabs: one module each, whose build() lays out components and wires events."""
