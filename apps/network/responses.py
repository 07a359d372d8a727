"""CloudStack objects for networking: nic."""
import ipaddress


def nic_response(nic):
    net = ipaddress.ip_network(nic.network.cidr, strict=False)
    return {
        "id": nic.uuid_str,
        "networkid": nic.network.uuid_str,
        "networkname": nic.network.name,
        "ipaddress": nic.ip_address,
        "netmask": str(net.netmask),
        "gateway": nic.network.gateway,
        "macaddress": nic.mac_address,
        "isdefault": nic.is_default,
        "traffictype": "Guest",
        "type": nic.network.type,
        "deviceid": str(nic.device_id),
        "secondaryip": [],
        "extradhcpoption": [],
    }
