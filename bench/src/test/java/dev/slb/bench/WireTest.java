package dev.slb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The client's frames and handshake against RFC 6455 itself, with no socket. */
class WireTest {
    @Test
    void acceptValueIsTheRfcExample() {
        // RFC 6455 section 1.3.
        assertThat(new Handshake().accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void keysAreSixteenFreshBytes() {
        Handshake h = new Handshake();
        String a = h.newKey();

        assertThat(Base64.getDecoder().decode(a)).hasSize(16);
        assertThat(h.newKey()).isNotEqualTo(a);
    }

    @Test
    void only101WithUpgradeAndTheRightAcceptPasses() {
        String good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
                + "sec-websocket-accept:  abc=";

        assertThat(Handshake.check(good, "abc=")).isNull();
        assertThat(Handshake.check(good, "xyz=")).contains("Sec-WebSocket-Accept abc=, expected xyz=");
        assertThat(Handshake.check("HTTP/1.1 403 Forbidden\r\nContent-Length: 0", "abc="))
                .isEqualTo("upgrade refused: HTTP/1.1 403 Forbidden");
        assertThat(Handshake.check("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: abc=", "abc="))
                .contains("without Upgrade");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 64, 125, 126, 4096, 65535, 65536, 1048576})
    void maskedFramesCarryTheLengthAndUnmaskToThePayload(int size) {
        byte[] payload = EchoBackendTest.bytes(size, size);
        ByteBuf frame =
                ClientFrames.maskedFrame(ByteBufAllocator.DEFAULT, ClientFrames.OP_BINARY, payload, size, 0x11223344);
        try {
            assertThat((int) frame.readUnsignedByte()).isEqualTo(0x82);
            int second = frame.readUnsignedByte();
            assertThat(second & 0x80).as("mask bit").isEqualTo(0x80);
            long length = second & 0x7F;
            if (length == 126) {
                length = frame.readUnsignedShort();
            } else if (length == 127) {
                length = frame.readLong();
            }
            assertThat(length).isEqualTo(size);
            byte[] key = new byte[4];
            frame.readBytes(key);
            assertThat(key).containsExactly(0x11, 0x22, 0x33, 0x44);
            assertThat(frame.readableBytes()).isEqualTo(size);
            byte[] unmasked = new byte[size];
            frame.readBytes(unmasked);
            for (int i = 0; i < size; i++) {
                unmasked[i] ^= key[i & 3];
            }
            assertThat(unmasked).isEqualTo(payload);
        } finally {
            frame.release();
        }
    }

    @Test
    void theRunsFramesAreMaskedWithANonZeroKey() {
        try (ClientFrames frames = new ClientFrames(64, 1)) {
            assertThat(frames.maskKey).isNotZero();
            assertThat(frames.size()).isEqualTo(64);
            assertThat((int) frames.closeFrame.getUnsignedByte(0)).isEqualTo(0x88);
            assertThat(frames.closeFrame.readableBytes()).isEqualTo(2 + 4 + 2);
        }
    }
}
