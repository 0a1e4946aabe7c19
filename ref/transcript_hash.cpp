// RFC 9420 §8.2 Transcript Hashes
#include "transcript_hash.h"

namespace mlsref {

Bytes confirmed_transcript_hash(const CipherSuite& suite, ByteView interim_transcript_hash,
                                const AuthenticatedContent& commit) {
  if (commit.content.content_type != ContentType::commit) {
    throw Error(ErrorKind::usage, "8.2", "transcript hashes cover only commits");
  }
  // struct {
  //     WireFormat wire_format;
  //     FramedContent content; /* with content_type == commit */
  //     opaque signature<V>;
  // } ConfirmedTranscriptHashInput;
  Writer w;
  w.put_bytes(interim_transcript_hash);
  encode_into(w, commit.wire_format);
  encode_into(w, commit.content);
  encode_into(w, commit.auth.signature);
  return suite.hash(w.bytes());
}

Bytes interim_transcript_hash(const CipherSuite& suite, ByteView confirmed_transcript_hash,
                              ByteView confirmation_tag) {
  // struct { MAC confirmation_tag; } InterimTranscriptHashInput;
  Writer w;
  w.put_bytes(confirmed_transcript_hash);
  w.put_varint(confirmation_tag.size());
  w.put_bytes(confirmation_tag);
  return suite.hash(w.bytes());
}

}  // namespace mlsref
