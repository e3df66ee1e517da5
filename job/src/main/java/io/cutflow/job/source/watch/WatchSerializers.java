package io.cutflow.job.source.watch;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Versioned serializers of the watch source's split and enumerator state: what makes savepoints evolvable.
 * Version 2 adds the split's reconciled flag and the state's key-ordered pass, reconciliation and listing-failure
 * fields; version 1 (Cutflow 0.2) is still read.
 */
final class WatchSerializers {

    private WatchSerializers() {}

    /** Version 2: a batch of objects; version 1 (Cutflow 0.2): one object, read as a batch of one. */
    static final class SplitSerializer implements SimpleVersionedSerializer<ObjectBatch> {
        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(ObjectBatch batch) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64 + 96 * batch.objects().size());
            writeString(out, batch.splitId());
            out.writeInt(batch.objects().size());
            for (ListedObject object : batch.objects()) {
                writeObject(out, object);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public ObjectBatch deserialize(int version, byte[] bytes) throws IOException {
            requireVersion(version);
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            if (version == 1) {
                ListedObject object = readObject(in, version);
                return new ObjectBatch(object.url(), List.of(object));
            }
            String id = readString(in);
            int count = in.readInt();
            List<ListedObject> objects = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                objects.add(readObject(in, version));
            }
            return new ObjectBatch(id, objects);
        }
    }

    static final class StateSerializer implements SimpleVersionedSerializer<WatchState> {
        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(WatchState state) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(1024);
            out.writeLong(state.watermarkMs());
            out.writeBoolean(state.listedOnce());
            out.writeInt(state.recent().size());
            for (Map.Entry<String, Long> entry : state.recent().entrySet()) {
                writeString(out, entry.getKey());
                out.writeLong(entry.getValue());
            }
            out.writeInt(state.pending().size());
            for (ListedObject split : state.pending()) {
                writeObject(out, split);
            }
            out.writeLong(state.nextReconcileAtMs());
            out.writeByte(state.passKind().ordinal());
            out.writeBoolean(state.passAfterUrl() != null);
            if (state.passAfterUrl() != null) {
                writeString(out, state.passAfterUrl());
            }
            out.writeLong(state.passStartedAtMs());
            out.writeLong(state.listingFailingSinceMs());
            return out.getCopyOfBuffer();
        }

        @Override
        public WatchState deserialize(int version, byte[] bytes) throws IOException {
            requireVersion(version);
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            long watermark = in.readLong();
            boolean listedOnce = in.readBoolean();
            int recentCount = in.readInt();
            Map<String, Long> recent = new HashMap<>(Math.max(16, recentCount * 2));
            for (int i = 0; i < recentCount; i++) {
                recent.put(readString(in), in.readLong());
            }
            int pendingCount = in.readInt();
            List<ListedObject> pending = new ArrayList<>(pendingCount);
            for (int i = 0; i < pendingCount; i++) {
                pending.add(readObject(in, version));
            }
            if (version == 1) {
                return new WatchState(watermark, recent, pending, listedOnce);
            }
            long nextReconcileAt = in.readLong();
            WatchState.PassKind pass = WatchState.PassKind.values()[in.readByte()];
            String passAfter = in.readBoolean() ? readString(in) : null;
            long passStartedAt = in.readLong();
            return new WatchState(watermark, recent, pending, listedOnce, nextReconcileAt, pass, passAfter, passStartedAt,
                    in.readLong());
        }
    }

    private static final int VERSION = 2;

    private static void requireVersion(int version) throws IOException {
        if (version < 1 || version > VERSION) {
            throw new IOException("unknown watch-source state version " + version);
        }
    }

    private static void writeObject(DataOutputSerializer out, ListedObject split) throws IOException {
        writeString(out, split.url());
        out.writeLong(split.sizeBytes());
        out.writeLong(split.modifiedAtMs());
        out.writeBoolean(split.reconciled());
    }

    private static ListedObject readObject(DataInputDeserializer in, int version) throws IOException {
        ListedObject split = new ListedObject(readString(in), in.readLong(), in.readLong());
        return version >= 2 && in.readBoolean() ? split.asReconciled() : split;
    }

    /** Length-prefixed UTF-8 (writeUTF stops at 64 KB). */
    private static void writeString(DataOutputSerializer out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputDeserializer in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
