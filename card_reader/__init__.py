"""Read and decode Chinese identity cards (第二代居民身份证 and relatives).

Layers, bottom up:

* :mod:`card_reader.iso7816`: APDU mechanics over any object with
  ``transmit(apdu) -> (data, sw)``.
* :mod:`card_reader.samframe`, :mod:`card_reader.textblock`,
  :mod:`card_reader.payload`: pure decoding and encoding of SAM frames, the
  256-byte text block (resident ID, HK/Macao/Taiwan residence permit,
  foreigner permanent-residence cards 2017 and 2023) and saved payloads.
* :mod:`card_reader.session`: chip serial and the integrated-SAM reader
  profile (``FF B0`` blocks) over a connection.
* :mod:`card_reader.pcsc`: the pyscard adapter and the wait/read API.
* :mod:`card_reader.virtual`: a virtual ID card for the vpcd reader driver;
  :mod:`card_reader.daemon` runs pcscd for tests, demos and benchmarks.
* :mod:`card_reader.cli`: ``python -m card_reader decode FILE`` / ``read``.

Importing this package does not import pyscard; only :mod:`card_reader.pcsc`
and :mod:`card_reader.daemon` need it.
"""

from card_reader.errors import (
    ApduError,
    BadResponseError,
    CardReaderError,
    CardRemovedError,
    CardTimeoutError,
    DecodeError,
    FrameError,
    NoCardError,
    NoReaderError,
    PcscError,
    ReaderBusyError,
    RecordError,
    SamStatusError,
    ServiceUnavailableError,
    TransportError,
    UnknownCardTypeError,
)
from card_reader.iso7816 import SW, Connection
from card_reader.payload import decode_payload, encode_reader_stream, encode_sam_frame
from card_reader.record import CardType, IdentityRecord
from card_reader.samframe import SamStatus
from card_reader.textblock import decode_text_block, encode_text_block

__all__ = [
    "SW",
    "ApduError",
    "BadResponseError",
    "CardReaderError",
    "CardRemovedError",
    "CardTimeoutError",
    "CardType",
    "Connection",
    "DecodeError",
    "FrameError",
    "IdentityRecord",
    "NoCardError",
    "NoReaderError",
    "PcscError",
    "ReaderBusyError",
    "RecordError",
    "SamStatus",
    "SamStatusError",
    "ServiceUnavailableError",
    "TransportError",
    "UnknownCardTypeError",
    "decode_payload",
    "decode_text_block",
    "encode_reader_stream",
    "encode_sam_frame",
    "encode_text_block",
]
