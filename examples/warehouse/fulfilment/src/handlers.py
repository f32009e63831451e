"""The fulfilment service's handlers (placeholders: the example is about its infrastructure)."""


def pick(event, context):
    return {"picked": len(event.get("Records", []))}


def ship(event, context):
    return {"shipped": len(event.get("Records", []))}


def seed_locations(event, context):
    return {"PhysicalResourceId": "locations-seed"}
