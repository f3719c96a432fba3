package org.l4lb.core.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class Crc32Test {

    @Test
    void matchesZlibIncludingSplitUpdates() {
        SplittableRandom random = new SplittableRandom(1);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(300)];
            random.nextBytes(data);
            CRC32 reference = new CRC32();
            reference.update(data);
            int split = data.length == 0 ? 0 : random.nextInt(data.length);
            int partial = Crc32.update(Crc32.INIT, data, 0, split);
            int ours = Crc32.finish(Crc32.update(partial, data, split, data.length - split));
            assertThat(Integer.toUnsignedLong(ours)).isEqualTo(reference.getValue());
        }
        // The check value of CRC-32/ISO-HDLC.
        assertThat(Integer.toHexString(Crc32.of("123456789".getBytes(), 0, 9))).isEqualTo("cbf43926");
    }
}
