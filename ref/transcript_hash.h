// RFC 9420 §8.2 Transcript Hashes
#pragma once

#include "framing.h"

namespace mlsref {

// confirmed_transcript_hash_[epoch] =
//     Hash(interim_transcript_hash_[epoch - 1] || ConfirmedTranscriptHashInput_[epoch]);
// with ConfirmedTranscriptHashInput = { wire_format, content, signature }.
// Error{protocol} unless `commit` carries a Commit.
Bytes confirmed_transcript_hash(const CipherSuite& suite, ByteView interim_transcript_hash,
                                const AuthenticatedContent& commit);

// interim_transcript_hash_[epoch] =
//     Hash(confirmed_transcript_hash_[epoch] || InterimTranscriptHashInput_[epoch]);
// with InterimTranscriptHashInput = { MAC confirmation_tag; }.
Bytes interim_transcript_hash(const CipherSuite& suite, ByteView confirmed_transcript_hash,
                              ByteView confirmation_tag);

}  // namespace mlsref
