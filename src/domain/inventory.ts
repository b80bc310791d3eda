// A slave that should exist, as the inventory file (or Nagios's object cache) lists it.

export interface InventoryEntry {
  name: string;
  pool: string | null;
  master: string | null;
  /** Everything else the file says about the slave (mgmt_host, pdu, outlet, ...), as strings. */
  attributes: Record<string, string>;
}
