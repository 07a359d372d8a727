from apps.core.formats import compact


def tag_response(tag):
    return compact(
        {
            "key": tag.key,
            "value": tag.value,
            "resourcetype": tag.resource_type,
            "resourceid": str(tag.resource_uuid),
            "account": tag.account.name,
            "domainid": tag.account.domain.uuid_str,
            "domain": tag.account.domain.name,
            "customer": tag.customer or None,
        }
    )
