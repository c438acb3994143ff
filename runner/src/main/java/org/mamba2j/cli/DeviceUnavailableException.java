package org.mamba2j.cli;

/** The requested device does not exist or its backend is not installed. */
final class DeviceUnavailableException extends RuntimeException {

    DeviceUnavailableException(String message) {
        super(message);
    }
}
