"""keepwell as a BaRS receiver: ``POST /api/fhir/$process-message``.

BaRS, NHS England's Booking and Referral Standard, sends a referral as a FHIR R4 Bundle of
type message: a MessageHeader (event servicerequest-request, reason new, update or cancel)
whose focus is a ServiceRequest, with whatever else the sender holds. The package:
``message`` (the pure reading of a message, its problems and warnings by FHIRPath, helped by
``bundle``, JSON of any shape, and ``issues``),
``answers`` (the OperationOutcome or response message sent back), ``mapping`` (the service,
sender and person found in keepwell), ``receiving`` (the referral made, or the validation
answered, once per message id) and ``changes`` (an update or a cancellation).

Nothing is imported here, so the pure modules stay free of Django when imported.
"""
